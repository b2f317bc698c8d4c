/**
 * Start-up: exec of the supervisor → the server's first instruction. The server is bench-stamp.sh, whose first
 * act is `date +%s%N`. Each trial runs the fixture directly and then under the supervisor, back to back, and
 * counts the difference: the fixture's own start (and any load on the machine at that moment) cancels out.
 * Then the same as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`), as in a container.
 * node bench/startup.bench.ts [TRIALS]
 */
import { join } from 'node:path';
import { orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, SUBJECTS, explained, launch, realtimeMs, scratch, waitForLines, type Subject } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 20);
const METRIC = 'start-up: exec of supervisor → server runs';
const AS_PID_1 = 'start-up as PID 1 (unshare --pid): exec → server runs';
const STAMP = join(FIXTURES, 'bench-stamp.sh');
const GOAL = '≤ 40 ms';

/** ms from just before the spawn to the fixture's stamp. */
async function once(subject: Subject | 'direct', file: string, asPid1: boolean): Promise<number> {
  const started = realtimeMs();
  const running = launch(subject, [STAMP, file, '0'], { restart: false, asPid1, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    const [stamp] = await explained(running, () => waitForLines(file, 1, 10000));
    return Number(BigInt(stamp as string) / 1000n) / 1000 - started;
  } finally {
    await running.stop();
  }
}

/** Paired trials: [supervised − direct] and the direct runs themselves. */
async function paired(subject: Subject, asPid1: boolean, count: number): Promise<{ differences: number[]; direct: number[] }> {
  const space = scratch('startup');
  try {
    // One warm-up pair (page cache), not counted.
    await once('direct', space.file('warm-direct'), asPid1);
    await once(subject, space.file('warm'), asPid1);
    const differences: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < count; i++) {
      const alone = await once('direct', space.file(`direct-${i}`), asPid1);
      const supervised = await once(subject, space.file(`stamp-${i}`), asPid1);
      direct.push(alone);
      differences.push(supervised - alone);
    }
    return { differences, direct };
  } finally {
    space.remove();
  }
}

const rows: BenchRow[] = [];
const directRuns: number[] = [];
const directRunsPid1: number[] = [];
const measure = async (subject: Subject, asPid1: boolean): Promise<BenchRow> => {
  const metric = asPid1 ? AS_PID_1 : METRIC;
  const goal = subject === 'podvisor' ? GOAL : undefined;
  // supervisord and pm2-runtime take ~0.3–1.5 s: 10 pairs show it.
  const count = subject === 'supervisord' || subject === 'pm2-runtime' ? Math.min(TRIALS, 10) : TRIALS;
  progress(`start-up${asPid1 ? ' as PID 1' : ''}: ${subject} × ${count} pairs`);
  return orAbsent(subject, metric, 'ms', async () => {
    const { differences, direct } = await paired(subject, asPid1, count);
    (asPid1 ? directRunsPid1 : directRuns).push(...direct);
    return row(subject, metric, 'ms', differences, goal === undefined ? {} : { goal });
  }, goal);
};
for (const subject of SUBJECTS) rows.push(await measure(subject, false));
// In a container the supervisor is PID 1: podvisor then skips the subreaper call (and loading koffi for it).
for (const subject of SUBJECTS.filter((name) => name === 'podvisor' || name === 'tini' || name === 'dumb-init')) rows.push(await measure(subject, true));
rows.unshift(row('direct', 'start-up: the fixture run directly (subtracted from each pair)', 'ms', directRuns));
rows.push(row('direct', 'start-up as PID 1: the fixture alone under unshare (subtracted from each pair)', 'ms', directRunsPid1));
printResult('startup', rows);
