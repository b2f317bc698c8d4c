/**
 * Restart: the server (bench-stamp.sh, exits 1 at once) ends → its next start, as the interval between the
 * stamps its consecutive runs write first thing. "direct" is a shell loop running the same fixture: the
 * fixture's own run time, included in every row. Then a configured 200 ms delay: the interval minus 200 ms.
 * node bench/restart.bench.ts [RESTARTS]
 */
import { join } from 'node:path';
import { absent, orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, SUBJECTS, explained, launch, scratch, waitForLines, type LaunchOptions, type Subject } from './lib/subjects.ts';

const RESTARTS = Number(process.argv[2] ?? 30);
/** supervisord, s6 and runit hold a restart for about a second: fewer intervals show it. */
const SLOW_RESTARTS = Math.min(RESTARTS, 15);
const STAMP = join(FIXTURES, 'bench-stamp.sh');
const DELAY_MS = 200;
const FAST = 'restart: server exits → next start (no delay)';
const DELAYED = `restart: configured ${DELAY_MS} ms delay, error (interval − ${DELAY_MS} ms)`;

/** Intervals in ms between the first `count + 1` starts of a server that exits at once. */
async function intervals(subject: Subject | 'direct', count: number, options: LaunchOptions): Promise<number[]> {
  const space = scratch('restart');
  const file = space.file('stamps');
  const command = subject === 'direct' ? ['sh', '-c', `while :; do '${STAMP}' '${file}' 1; done`] : [STAMP, file, '1'];
  const running = launch(subject, command, { restart: true, ...options });
  try {
    // Skip the first interval (the supervisor's own warm-up).
    const stamps = (await explained(running, () => waitForLines(file, count + 2, count * 2500 + 10000, 5))).slice(1, count + 2).map((line) => Number(BigInt(line) / 1000n) / 1000);
    return stamps.slice(1).map((stamp, i) => stamp - (stamps[i] as number));
  } finally {
    await running.stop();
    space.remove();
  }
}

const slow = (subject: Subject | 'direct'): boolean => subject === 'supervisord' || subject === 's6-supervise' || subject === 'runsv';
const rows: BenchRow[] = [];
for (const subject of ['direct', ...SUBJECTS] as const) {
  const goal = subject === 'podvisor' ? '≤ 10 ms' : undefined;
  if (subject === 'tini' || subject === 'dumb-init') {
    rows.push(absent(subject, FAST, 'ms', 'no restarts: exits with the server'));
    continue;
  }
  const count = slow(subject) ? SLOW_RESTARTS : RESTARTS;
  progress(`restart: ${subject} × ${count}`);
  rows.push(await orAbsent(subject, FAST, 'ms', async () => row(subject, FAST, 'ms', await intervals(subject, count, { restartDelayMs: 0 }), goal === undefined ? {} : { goal }), goal));
}
for (const subject of SUBJECTS) {
  const goal = subject === 'podvisor' ? '± 5 ms' : undefined;
  if (subject !== 'podvisor' && subject !== 'pm2-runtime') {
    rows.push(absent(subject, DELAYED, 'ms', subject === 'tini' || subject === 'dumb-init' ? 'no restarts' : 'no configurable restart delay (a fixed ~1 s)'));
    continue;
  }
  progress(`restart with ${DELAY_MS} ms delay: ${subject} × ${Math.min(RESTARTS, 20)}`);
  rows.push(
    await orAbsent(subject, DELAYED, 'ms', async () => {
      const values = await intervals(subject, Math.min(RESTARTS, 20), { restartDelayMs: DELAY_MS });
      return row(subject, DELAYED, 'ms', values.map((value) => value - DELAY_MS), goal === undefined ? {} : { goal });
    }, goal),
  );
}
printResult('restart', rows);
