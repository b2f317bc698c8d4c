import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import type { OutputStream } from '../output/output-stream.ts';
import type { SupervisionEvent } from '../supervisor/events.ts';
import type { Supervision, SupervisionSnapshot } from '../supervisor/supervision.ts';
import { observerSettings, type FromObservers, type ObservedEvent, type ObserverSettings, type ObserverSetup, type ToObservers } from './observer-protocol.ts';

/**
 * How long the lines counted by level may wait before they go to the observer thread: the server's output comes a
 * read at a time (thousands a second in a flood), and podvisor_log_lines_total needs the counts, not each read.
 */
export const LINE_COUNT_BATCH_MS = 100;
/**
 * Flow control: at most this many `events` messages wait for the observer thread at once (it runs at a lower CPU
 * priority, and may fall behind). Beyond, events gather here, and past MAX_PENDING_EVENTS the kinds nothing counts
 * are left out (the snapshot still carries their outcome): a server flooding its kit channel with state changes, or
 * signals sent to podvisor by the thousand, must not fill podvisor's memory with messages not yet read.
 */
export const MAX_BATCHES_IN_FLIGHT = 16;
export const MAX_PENDING_EVENTS = 4096;
/** Events only logged (or shown as gauges from the snapshot), never counted: these may be left out. */
export const DROPPABLE_EVENTS: ReadonlySet<SupervisionEvent['type']> = new Set(['transition', 'sessions_changed', 'signal_forwarded', 'prefs_reloaded', 'server_suspended']);

/** How much longer than the observers' own bounds the supervision thread waits for them at exit. */
const CLOSE_MARGIN_MS = 2000;

export interface ObserverLinkOptions {
  readonly settings: ObserverSettings;
  readonly supervision: Supervision;
  /** Where podvisor's own log lines go (between the server's lines); undefined: the observer thread writes them to fd 2. */
  readonly logDestination: DestinationStream | undefined;
  /** An observer cannot do its job, and podvisor should not run without it (the HTTP port cannot be bound). */
  readonly onFailure: (message: string) => void;
  /** The Pod was already being deleted at start: a SIGTERM podvisor may not have heard. */
  readonly onPodDeletion: () => void;
}

export interface ObserverLink {
  /** Sends what is pending, lets the observers flush (each bounds its own wait) and resolves once they have. */
  close(): Promise<void>;
}

/**
 * The supervision thread's side of the observer thread (observer-thread.ts): it starts the thread and posts it every
 * supervision event with the snapshot that followed it, the events of one turn in one message, the server's line
 * counts in batches. Nothing here waits for the observer thread, except close(), at exit.
 */
export function startObserverThread(options: ObserverLinkOptions): ObserverLink {
  const { supervision, logDestination } = options;
  const setup: ObserverSetup = { settings: observerSettings(options.settings), linesToSupervisor: logDestination !== undefined, snapshot: supervision.snapshot };
  // node:worker_threads is loaded here, after the server's spawn, not with the rest of the supervision thread.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  // Its V8 flags are the process's (bin/podvisor's); env and argv are podvisor's own.
  const worker = new Worker(observerThreadFile(), { workerData: setup, stdout: false, stderr: false });

  let pending: ObservedEvent[] = [];
  /** Facts changed without an event since the last message (a session count, a fatal line's pending confirmation). */
  let snapshotChanged = false;
  let flushQueued = false;
  const lineCounts = new Map<string, { stream: OutputStream; level: string; count: number }>();
  let countTimer: NodeJS.Timeout | undefined;
  let state: 'running' | 'closing' | 'closed' = 'running';
  let closed: () => void = () => {};
  const whenClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });

  let batchesInFlight = 0;
  let dropped = 0;
  const post = (message: ToObservers): void => {
    if (state !== 'closed') worker.postMessage(message);
  };
  const flush = (force = false): void => {
    flushQueued = false;
    if (pending.length === 0 && !snapshotChanged) return;
    // The observers are behind: what is pending goes when they say they have handled a message (events_done).
    if (!force && batchesInFlight >= MAX_BATCHES_IN_FLIGHT) return;
    const events = pending;
    pending = [];
    snapshotChanged = false;
    batchesInFlight += 1;
    post({ type: 'events', events, snapshot: supervision.snapshot, ...(dropped > 0 ? { dropped } : {}) });
    dropped = 0;
  };
  const queueFlush = (): void => {
    if (flushQueued) return;
    flushQueued = true;
    queueMicrotask(flush);
  };
  /** The counts so far become log_line events, ahead of whatever comes next. */
  const takeCounts = (snapshot: SupervisionSnapshot): void => {
    clearTimeout(countTimer);
    countTimer = undefined;
    const at = Date.now();
    for (const { stream, level, count } of lineCounts.values()) pending.push([{ type: 'log_line', stream, level, count }, snapshot, at]);
    lineCounts.clear();
  };

  const stopObserving = supervision.observe((event: SupervisionEvent, snapshot) => {
    if (event.type === 'log_line') {
      const key = `${event.stream} ${event.level}`;
      const counted = lineCounts.get(key);
      if (counted === undefined) lineCounts.set(key, { stream: event.stream, level: event.level, count: event.count ?? 1 });
      else counted.count += event.count ?? 1;
      countTimer ??= setTimeout(() => {
        takeCounts(supervision.snapshot);
        queueFlush();
      }, LINE_COUNT_BATCH_MS).unref();
      return;
    }
    if (lineCounts.size > 0) takeCounts(snapshot);
    pending.push([event, snapshot, Date.now()]);
    if (pending.length > MAX_PENDING_EVENTS) {
      const kept = leaveOutDroppable(pending);
      dropped += pending.length - kept.length;
      pending = kept;
    }
    queueFlush();
  });
  const stopWatching = supervision.observeUpdates(() => {
    snapshotChanged = true;
    queueFlush();
  });

  worker.on('message', (message: FromObservers) => {
    switch (message.type) {
      case 'lines':
        if (logDestination !== undefined) logDestination.write(message.text);
        break;
      case 'failure':
        options.onFailure(message.message);
        break;
      case 'pod_deletion':
        options.onPodDeletion();
        break;
      case 'ping':
        post({ type: 'pong', id: message.id });
        break;
      case 'events_done':
        batchesInFlight -= 1;
        if (pending.length > 0 || snapshotChanged) flush();
        break;
      case 'closed':
        state = 'closed';
        closed();
        break;
    }
  });
  worker.on('error', (error) => {
    process.stderr.write(`podvisor: the observer thread failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (state === 'running') options.onFailure(`the observer thread failed (${error instanceof Error ? error.message : String(error)}): podvisor's logs, metrics and HTTP port are gone`);
  });
  worker.on('exit', () => {
    state = 'closed';
    closed();
  });
  // The observer thread never keeps podvisor alive; at exit, close() waits for it as long as it must.
  worker.unref();

  return {
    async close() {
      if (state !== 'running') return whenClosed;
      state = 'closing';
      stopObserving();
      stopWatching();
      if (lineCounts.size > 0) takeCounts(supervision.snapshot);
      // The last events go whatever is in flight: close() waits for the observers to take them all.
      flush(true);
      post({ type: 'close' });
      const limit = setTimeout(closed, options.settings.kubernetesShutdownWaitMs + CLOSE_MARGIN_MS);
      await whenClosed;
      clearTimeout(limit);
    },
  };
}

/**
 * The observer thread's entry: dist/observers.js beside the supervision thread's bundle (dist/main.cjs), or the
 * TypeScript source next to this file when podvisor runs from src/.
 */
function observerThreadFile(): URL {
  const candidates = ['./observers.js', './observer-thread.ts'].map((path) => new URL(path, import.meta.url));
  return candidates.find((candidate) => existsSync(fileURLToPath(candidate))) ?? (candidates[0] as URL);
}

/** The pending events without the kinds nothing counts (DROPPABLE_EVENTS), in order. Pure. */
export function leaveOutDroppable(pending: readonly ObservedEvent[]): ObservedEvent[] {
  return pending.filter(([event]) => !DROPPABLE_EVENTS.has(event.type));
}
