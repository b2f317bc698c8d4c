/**
 * Signal forwarding: SIGTERM to the supervisor → the server's handler runs. The server is bench-term.mjs (Node),
 * whose handler's first act records CLOCK_MONOTONIC, the clock process.hrtime.bigint() reads here too. "direct"
 * sends SIGTERM to the server itself: the cost of signal delivery and of waking Node's loop, included in every row.
 * Two moments:
 * - steady state: 250 ms after the server is up;
 * - early: 50 ms after the supervisor spawned the server (seen as its child within ~0.2 ms; later if the server's
 *   handler is not in place yet), while a supervisor may still be starting what it runs beside supervision
 *   (podvisor: its observers, with the HTTP port open as in a pod). Median and p90. Then the same on a busy machine:
 *   one CPU-bound process per core runs beside (a node that other pods keep busy), so that nothing a supervisor
 *   does beside supervision finishes early by luck.
 * node bench/signals.bench.ts [TRIALS]
 */

import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { childrenOf } from '../test/helpers/pid1.ts';
import { FIXTURES, NODE, SUBJECTS, delay, explained, launch, scratch, waitForLines, type Subject } from './lib/subjects.ts';
import { freePort } from '../test/helpers/podvisor-process.ts';

const TRIALS = Number(process.argv[2] ?? 20);
const METRIC = 'SIGTERM to supervisor → server handler runs';
const EARLY_MS = 50;
const EARLY = `SIGTERM ${EARLY_MS} ms after the server started → server handler runs`;
const EARLY_BUSY = `SIGTERM ${EARLY_MS} ms after the server started, every core busy → server handler runs`;
const TERM = join(FIXTURES, 'bench-term.mjs');
/** How long after the server is ready before the signal: the supervisor settles (podvisor loads its observers). */
const SETTLE_MS = 250;
/** The early trials: more of them, the spread is the point. */
const EARLY_TRIALS = Math.max(TRIALS, 30);
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** A supervisor that has not delivered the signal by then does not forward it. */
const FORWARD_TIMEOUT_MS = 4000;

async function once(subject: Subject | 'direct', file: string): Promise<{ ms: number; signal: string }> {
  const running = launch(subject, [NODE, TERM, file], { restart: false, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    const [serverPid] = await explained(running, () => waitForLines(`${file}.ready`, 1, 15000, 5));
    await delay(SETTLE_MS);
    const target = subject === 'direct' ? Number(serverPid) : running.pid;
    const sent = process.hrtime.bigint();
    process.kill(target, 'SIGTERM');
    const [line] = await explained(running, () => waitForLines(file, 1, FORWARD_TIMEOUT_MS, 0));
    const [signal, at] = (line as string).split(' ') as [string, string];
    return { ms: Number(BigInt(at) - sent) / 1e6, signal };
  } finally {
    await running.stop();
  }
}

async function trials(subject: Subject | 'direct'): Promise<BenchRow> {
  const space = scratch('signals');
  try {
    const values: number[] = [];
    const signals = new Set<string>();
    for (let i = 0; i < TRIALS; i++) {
      const result = await once(subject, space.file(`term-${i}`));
      values.push(result.ms);
      signals.add(result.signal);
      if (subject !== 'podvisor' && result.ms > 500 && i >= 9) break; // a slow anchor: 10 trials show it
    }
    const note = signals.has('SIGTERM') ? undefined : `the server received ${[...signals].join(', ')}, not SIGTERM`;
    return row(subject, METRIC, 'ms', values, { ...(subject === 'podvisor' ? { goal: '≤ 0.8 ms' } : {}), ...(note === undefined ? {} : { note }) });
  } finally {
    space.remove();
  }
}


/** The p90 of `values` (nearest rank). */
function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)] as number;
}

/**
 * One early trial: the server's spawn is seen by polling the supervisor's children (within ~0.2 ms); SIGTERM goes
 * EARLY_MS later (or once the server's handler is in place, if that is later: Node itself takes ~25–40 ms to start).
 */
async function onceEarly(subject: 'direct' | 'podvisor' | 'tini', file: string): Promise<number> {
  // As in a pod: podvisor's HTTP port open (its default), so that its observers have what they load.
  const port = await freePort();
  const running = launch(subject, [NODE, TERM, file], { restart: false, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn', PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
  try {
    let spawnedAt = subject === 'direct' ? performance.now() : undefined;
    const deadline = performance.now() + 15000;
    while (spawnedAt === undefined) {
      if (childrenOf(running.pid).length > 0) spawnedAt = performance.now();
      else if (performance.now() > deadline) throw new Error(`${subject} never spawned the server\n${running.describe()}`);
      else Atomics.wait(PAUSE, 0, 0, 0.2);
    }
    const [serverPid] = await explained(running, () => waitForLines(`${file}.ready`, 1, 15000, 0.5));
    while (performance.now() < spawnedAt + EARLY_MS) Atomics.wait(PAUSE, 0, 0, 0.2);
    const target = subject === 'direct' ? Number(serverPid) : running.pid;
    const sent = process.hrtime.bigint();
    process.kill(target, 'SIGTERM');
    const [line] = await explained(running, () => waitForLines(file, 1, FORWARD_TIMEOUT_MS, 0));
    return Number(BigInt((line as string).split(' ')[1] as string) - sent) / 1e6;
  } finally {
    await running.stop();
  }
}

async function early(subject: 'direct' | 'podvisor' | 'tini', metric: string): Promise<BenchRow[]> {
  const space = scratch('signals-early');
  try {
    const values: number[] = [];
    for (let i = 0; i < EARLY_TRIALS; i++) values.push(await onceEarly(subject, space.file(`early-${i}`)));
    const goal = subject === 'podvisor' ? { goal: '≤ 1 ms' } : {};
    const tail = p90(values);
    return [
      row(subject, metric, 'ms', values, { ...goal, note: `p90 ${+tail.toPrecision(3)} ms` }),
      { ...row(subject, `${metric} (p90)`, 'ms', values), median: +tail.toPrecision(3) },
    ];
  } finally {
    space.remove();
  }
}

/** One CPU-bound process per core, for as long as `measure` runs. */
async function withBusyCores<T>(measure: () => Promise<T>): Promise<T> {
  const hogs = Array.from({ length: availableParallelism() }, () => spawn(NODE, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    return await measure();
  } finally {
    for (const hog of hogs) hog.kill('SIGKILL');
  }
}

const rows: BenchRow[] = [];
for (const subject of ['direct', ...SUBJECTS] as const) {
  progress(`signals: ${subject} × ${TRIALS}`);
  rows.push(await orAbsent(subject, METRIC, 'ms', () => trials(subject), subject === 'podvisor' ? '≤ 0.8 ms' : undefined));
}
for (const [metric, busy] of [[EARLY, false], [EARLY_BUSY, true]] as const) {
  for (const subject of ['direct', ...SUBJECTS.filter((name) => name === 'podvisor' || name === 'tini')] as const) {
    progress(`${metric}: ${subject} × ${EARLY_TRIALS}`);
    try {
      rows.push(...(await (busy ? withBusyCores(() => early(subject, metric)) : early(subject, metric))));
    } catch (error) {
      rows.push(await orAbsent(subject, metric, 'ms', () => Promise.reject(error), subject === 'podvisor' ? '≤ 1 ms' : undefined));
    }
  }
}
printResult('signals', rows);
