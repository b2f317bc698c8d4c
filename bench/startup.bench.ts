/**
 * Start-up: exec of the supervisor → the server's first instruction. The server is bench-stamp.sh, whose first
 * act is `date +%s%N`; the same fixture run directly gives the fixture's own start, which is subtracted.
 * node bench/startup.bench.ts [TRIALS]
 */
import { join } from 'node:path';
import { orAbsent, printResult, progress, row, summarize, type BenchRow } from './lib/report.ts';
import { FIXTURES, SUBJECTS, explained, launch, realtimeMs, scratch, waitForLines, type Subject } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 25);
const METRIC = 'start-up: exec of supervisor → server runs';
const STAMP = join(FIXTURES, 'bench-stamp.sh');

async function once(subject: Subject | 'direct', file: string): Promise<number> {
  const started = realtimeMs();
  const running = launch(subject, [STAMP, file, '0'], { restart: false, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    const [stamp] = await explained(running, () => waitForLines(file, 1, 10000));
    return Number(BigInt(stamp as string) / 1000n) / 1000 - started;
  } finally {
    await running.stop();
  }
}

async function trials(subject: Subject | 'direct'): Promise<number[]> {
  const space = scratch('startup');
  try {
    const values: number[] = [];
    // One warm-up run (page cache), not counted.
    await once(subject, space.file('warm'));
    for (let i = 0; i < TRIALS; i++) values.push(await once(subject, space.file(`stamp-${i}`)));
    return values;
  } finally {
    space.remove();
  }
}

const rows: BenchRow[] = [];
progress(`start-up: direct × ${TRIALS}`);
const direct = await trials('direct');
const fixtureStart = summarize(direct).median;
rows.push(row('direct', 'start-up: the fixture alone (subtracted below)', 'ms', direct));
for (const subject of SUBJECTS) {
  progress(`start-up: ${subject} × ${TRIALS}`);
  rows.push(
    await orAbsent(subject, METRIC, 'ms', async () => {
      const values = await trials(subject);
      return row(subject, METRIC, 'ms', values.map((value) => value - fixtureStart), subject === 'podvisor' ? { goal: '≤ 40 ms' } : {});
    }, subject === 'podvisor' ? '≤ 40 ms' : undefined),
  );
}
printResult('startup', rows);
