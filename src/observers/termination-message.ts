import type { OutputStream } from '../output/output-stream.ts';
import { quoteLine } from '../output/quote-line.ts';
import { describeExit } from '../process/server-exit.ts';
import type { SupervisionEvent } from '../supervisor/events.ts';
import type { ExitRecord, SupervisionSnapshot } from '../supervisor/supervision.ts';

/** The kubelet keeps at most this much of a container's termination message (docs/shutdown.md). */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

/** The last fatal line (or kit report) of the run, and what became of it. */
export interface LastFatal {
  readonly line: string;
  readonly source: 'log' | 'kit';
  readonly stream?: OutputStream;
  /** `pending`: podvisor ended before the line was confirmed or not (a shutdown during the wait). */
  readonly outcome: 'pending' | 'confirmed' | 'not_confirmed';
}

/** What the termination message needs to know of a run, gathered from supervision's events as they come. */
export interface TerminationRecord {
  /** Why supervision ended, as it said when exiting. */
  readonly why: string | undefined;
  /** The last spawn failure (the command cannot be executed): a better why than the generic one. */
  readonly spawnFailure: string | undefined;
  /** The signal that asked for the shutdown, as it came. */
  readonly shutdownSignal: NodeJS.Signals | undefined;
  readonly lastExit: ExitRecord | undefined;
  readonly restarts: number;
  readonly fatal: LastFatal | undefined;
}

export const EMPTY_TERMINATION_RECORD: TerminationRecord = {
  why: undefined,
  spawnFailure: undefined,
  shutdownSignal: undefined,
  lastExit: undefined,
  restarts: 0,
  fatal: undefined,
};

/** The record after one supervision event (with the snapshot it came with). Pure. */
export function recordTermination(record: TerminationRecord, event: SupervisionEvent, snapshot: SupervisionSnapshot): TerminationRecord {
  const next = snapshot.lastExit === record.lastExit && snapshot.restarts === record.restarts ? record : { ...record, lastExit: snapshot.lastExit, restarts: snapshot.restarts };
  switch (event.type) {
    case 'supervisor_exiting':
      return { ...next, why: event.why };
    case 'server_spawn_failed':
      return { ...next, spawnFailure: event.message };
    case 'server_spawned':
      return next.spawnFailure === undefined ? next : { ...next, spawnFailure: undefined };
    case 'shutdown_started':
      return { ...next, shutdownSignal: event.signal };
    case 'fatal_reported':
      return { ...next, fatal: { line: event.line, source: event.source, ...(event.stream === undefined ? {} : { stream: event.stream }), outcome: event.source === 'kit' ? 'confirmed' : 'pending' } };
    case 'fatal_confirmed':
      return next.fatal === undefined ? next : { ...next, fatal: { ...next.fatal, outcome: 'confirmed' } };
    case 'fatal_not_confirmed':
      return next.fatal === undefined ? next : { ...next, fatal: { ...next.fatal, outcome: 'not_confirmed' } };
    default:
      return next;
  }
}

/** How podvisor's run ended, as the termination message tells it. */
export type TerminationSummary =
  /** Bad configuration: nothing started; `errors` name every bad setting. */
  | { readonly kind: 'configuration'; readonly status: number; readonly errors: readonly string[] }
  /** Supervision ran and ended with `status` (`failure`: podvisor itself failed). */
  | { readonly kind: 'supervision'; readonly status: number; readonly record: TerminationRecord; readonly failure?: string };

/**
 * The termination message (docs/shutdown.md, "The termination message"): why podvisor exited, the server's last
 * exit and whether podvisor stopped it, the restarts, the last fatal line; most important first, so that the cut
 * at TERMINATION_MESSAGE_MAX_BYTES takes the least useful part. Pure.
 */
export function terminationMessage(summary: TerminationSummary): string {
  const lines: string[] = [];
  if (summary.kind === 'configuration') {
    lines.push(`podvisor exited ${summary.status}: bad configuration, nothing started`, ...summary.errors);
    return cutToBytes(`${lines.join('\n')}\n`, TERMINATION_MESSAGE_MAX_BYTES);
  }
  const { record, status } = summary;
  const shutdown = record.shutdownSignal === undefined ? '' : ` (shut down on ${record.shutdownSignal})`;
  const why = summary.failure !== undefined ? `podvisor failed: ${summary.failure}` : (record.spawnFailure ?? record.why ?? 'supervision ended');
  lines.push(`podvisor exited ${status}${shutdown}: ${why}`);
  const { lastExit } = record;
  if (lastExit === undefined) lines.push("server's last exit: none (it never ended after starting)");
  else lines.push(`server's last exit: ${describeExit(lastExit)}, ${lastExit.stoppedBy === 'podvisor' ? 'stopped by podvisor' : 'on its own'}`);
  lines.push(`restarts: ${record.restarts}`);
  const { fatal } = record;
  if (fatal !== undefined) {
    const where = fatal.source === 'kit' ? 'kit report' : (fatal.stream ?? 'output');
    const outcome = fatal.outcome === 'confirmed' ? 'confirmed' : fatal.outcome === 'not_confirmed' ? 'not confirmed: the server served on' : 'not yet confirmed';
    lines.push(`last fatal line (${where}, ${outcome}): ${quoteLine(fatal.line)}`);
  }
  return cutToBytes(`${lines.join('\n')}\n`, TERMINATION_MESSAGE_MAX_BYTES);
}

const ELLIPSIS = '…';

/**
 * `text` in at most `maxBytes` bytes of UTF-8, cut on a character boundary with "…" when it is longer (never half
 * a character: the kubelet would show a replacement character). Pure.
 */
export function cutToBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const ellipsis = maxBytes >= Buffer.byteLength(ELLIPSIS) ? ELLIPSIS : '';
  let end = maxBytes - Buffer.byteLength(ellipsis);
  // Back off continuation bytes (10xxxxxx) to the first byte of a character.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1;
  return `${bytes.toString('utf8', 0, end)}${ellipsis}`;
}
