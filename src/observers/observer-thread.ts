// The observer thread (its own bundle entry, dist/observers.js): every observer of supervision runs here — podvisor's
// log (pino's formatting), the pid file, the status line, prom-client and the HTTP port, the Kubernetes client — so
// that none of it can ever delay a signal, a child's exit or a restart on the supervision thread, from podvisor's
// first milliseconds on (docs/architecture.md, "Two threads"). It learns of supervision only from the events and
// snapshots the supervision thread posts, and tells that thread only what it must decide on (a port that cannot
// be bound, a Pod being deleted); podvisor's own log lines go back to be written between the server's lines.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { DestinationStream } from 'pino';
import { createLogger } from './logger.ts';
import { LAG_PROBE_LIMIT_SECONDS } from './metrics/process-metrics.ts';
import { MirroredSupervision } from './mirrored-supervision.ts';
import type { FromObservers, ObserverSetup, ToObservers } from './observer-protocol.ts';
import { startObservers, type RunningObservers } from './start-observers.ts';

if (parentPort === null) throw new Error('observer-thread.ts runs as a worker thread of podvisor');

/**
 * The observer thread's nice value: on a busy CPU the supervision thread and the server run first. Linux keeps a nice
 * value per thread, and this call (setpriority of the calling thread) lowers only this one's; lowering is always
 * allowed. Under full contention a thread at 10 gets about a tenth of the CPU of one at 0 — plenty for a probe or a
 * scrape, which take microseconds.
 */
export const OBSERVER_THREAD_NICE = 10;
try {
  setPriority(OBSERVER_THREAD_NICE);
} catch {
  // A sandbox that forbids it: the observers run at podvisor's own priority.
}
const port = parentPort;
const setup = workerData as ObserverSetup;
const post = (message: FromObservers): void => port.postMessage(message);

const supervision = new MirroredSupervision(setup.snapshot);

/** podvisor's lines of one turn go back together: one message, however many events were logged. */
let lines: string[] = [];
function flushLines(): void {
  if (lines.length === 0) return;
  post({ type: 'lines', text: lines.join('') });
  lines = [];
}
const toSupervisor: DestinationStream = {
  write(line: string) {
    if (lines.length === 0) queueMicrotask(flushLines);
    lines.push(line);
  },
};
const logger = createLogger(setup.settings.logLevel, setup.linesToSupervisor ? toSupervisor : undefined, () => supervision.eventAt ?? Date.now());

const pings = new Map<number, () => void>();
let nextPing = 0;
/** Asks the supervision thread for an answer; resolves with the seconds it took (at most LAG_PROBE_LIMIT_SECONDS). */
function supervisionThreadDelay(): Promise<number> {
  const id = nextPing++;
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const answered = (): void => {
      clearTimeout(limit);
      pings.delete(id);
      resolve(Number(process.hrtime.bigint() - started) / 1e9);
    };
    const limit = setTimeout(answered, LAG_PROBE_LIMIT_SECONDS * 1000);
    pings.set(id, answered);
    post({ type: 'ping', id });
  });
}

let closing: Promise<void> | undefined;
/** Messages that come while the observers start wait their turn here, in order. */
let early: ToObservers[] | undefined = [];

port.on('message', (message: ToObservers) => {
  if (early !== undefined) early.push(message);
  else handle(message);
});

function handle(message: ToObservers): void {
  switch (message.type) {
    case 'events':
      if (message.dropped !== undefined && message.dropped > 0) reportDropped(message.dropped);
      supervision.receive(message.events, message.snapshot);
      post({ type: 'events_done' });
      break;
    case 'pong':
      pings.get(message.id)?.();
      break;
    case 'close':
      closing ??= close();
      break;
  }
}

/** Events the supervision thread left out (they came faster than the observers took them): one warning a minute. */
let droppedSinceWarning = 0;
let lastDropWarning = -Infinity;
function reportDropped(count: number): void {
  droppedSinceWarning += count;
  const now = Date.now();
  if (now - lastDropWarning < 60_000) return;
  lastDropWarning = now;
  logger.warn({ dropped: droppedSinceWarning }, 'supervision events came faster than podvisor could log them: state changes, session counts and forwarded signals were left out (the metrics and /status show the latest state)');
  droppedSinceWarning = 0;
}

async function close(): Promise<void> {
  await running.close();
  flushLines();
  post({ type: 'closed' });
  // Nothing is left to keep this thread alive: it ends once the message is out.
  port.close();
}

const running: RunningObservers = await startObservers({ settings: setup.settings, supervision, logger, supervisionThreadDelay });
if (running.failure !== undefined) post({ type: 'failure', message: running.failure });
void running.podDeletion.then((deleting) => {
  if (deleting) post({ type: 'pod_deletion' });
});
const waiting = early;
early = undefined;
for (const message of waiting) handle(message);
