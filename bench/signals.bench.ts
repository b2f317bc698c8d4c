/**
 * Signal forwarding: SIGTERM to the supervisor → the server's handler runs. The server is bench-term.mjs (Node),
 * whose handler's first act records CLOCK_MONOTONIC, the clock process.hrtime.bigint() reads here too. "direct"
 * sends SIGTERM to the server itself: the cost of signal delivery and of waking Node's loop, included in every row.
 * node bench/signals.bench.ts [TRIALS]
 */

import { join } from 'node:path';
import { orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, NODE, SUBJECTS, delay, explained, launch, scratch, waitForLines, type Subject } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 20);
const METRIC = 'SIGTERM to supervisor → server handler runs';
const TERM = join(FIXTURES, 'bench-term.mjs');
/** How long after the server is ready before the signal: the supervisor settles (podvisor loads its observers). */
const SETTLE_MS = 250;
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
    return row(subject, METRIC, 'ms', values, { ...(subject === 'podvisor' ? { goal: '≤ 1 ms' } : {}), ...(note === undefined ? {} : { note }) });
  } finally {
    space.remove();
  }
}

const rows: BenchRow[] = [];
for (const subject of ['direct', ...SUBJECTS] as const) {
  progress(`signals: ${subject} × ${TRIALS}`);
  rows.push(await orAbsent(subject, METRIC, 'ms', () => trials(subject), subject === 'podvisor' ? '≤ 1 ms' : undefined));
}
printResult('signals', rows);
