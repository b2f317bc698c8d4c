/**
 * Shutdown, three figures:
 * - the server exits (bench-stamp.sh, exit 0) → the supervisor has exited; "direct" is the fixture's own exit
 *   after its stamp, included in every row. Twice: the server exits at once (podvisor is still starting what it runs
 *   beside supervision: its observer thread, which must write the log lines of the exit), and after running 1 s;
 * - a hung server (bench-hang.sh ignores SIGTERM) → SIGTERM to the supervisor, configured to kill after
 *   2000 ms → the supervisor has exited; the figure is the error against 2000 ms.
 * node bench/shutdown.bench.ts [TRIALS]
 */
import { join } from 'node:path';
import { absent, orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, SUBJECTS, delay, explained, launch, realtimeMs, scratch, waitForLines, type Subject } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 25);
/** Each hung-server trial takes over two seconds: fewer of them. */
const KILL_TRIALS = Math.min(TRIALS, 10);
const KILL_AFTER_MS = 2000;
const EXITS = 'shutdown: server exits at once → supervisor exits';
const EXITS_LATER = 'shutdown: server exits after 1 s → supervisor exits';
const EXIT_GOAL = '≤ 10 ms';
const KILLS = `shutdown: hung server, kill at ${KILL_AFTER_MS} ms, error (SIGTERM → exit − ${KILL_AFTER_MS} ms)`;
const STAMP = join(FIXTURES, 'bench-stamp.sh');
const HANG = join(FIXTURES, 'bench-hang.sh');

async function exitLatency(subject: Subject | 'direct', file: string, runSeconds?: number): Promise<number> {
  const running = launch(subject, [STAMP, file, '0', ...(runSeconds === undefined ? [] : [String(runSeconds)])], { restart: false, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    // pm2-runtime does exit once no app is left, after retrying for several seconds.
    const result = await Promise.race([running.exited, delay(15000).then(() => undefined)]);
    if (result === undefined) throw new Error('still running 15 s after its server exited: it does not exit with its server');
    const [stamp] = await waitForLines(file, 1, 1000);
    return result.at - Number(BigInt(stamp as string) / 1000n) / 1000;
  } finally {
    await running.stop();
  }
}

async function killError(subject: Subject, file: string): Promise<number> {
  const running = launch(subject, [HANG, file], { restart: false, killAfterMs: KILL_AFTER_MS, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    await explained(running, () => waitForLines(file, 1, 15000, 5));
    await delay(300);
    const sent = realtimeMs();
    process.kill(running.pid, 'SIGTERM');
    const result = await Promise.race([running.exited, delay(KILL_AFTER_MS + 5000).then(() => undefined)]);
    if (result === undefined) throw new Error(`still running ${KILL_AFTER_MS + 5000} ms after SIGTERM with a hung server`);
    return result.at - sent - KILL_AFTER_MS;
  } finally {
    await running.stop();
  }
}

async function repeat(count: number, trial: (file: string) => Promise<number>): Promise<number[]> {
  const space = scratch('shutdown');
  try {
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(await trial(space.file(`t-${i}`)));
    return values;
  } finally {
    space.remove();
  }
}

const rows: BenchRow[] = [];
for (const [metric, runSeconds] of [[EXITS, undefined], [EXITS_LATER, 1]] as const) {
  for (const subject of ['direct', ...SUBJECTS] as const) {
    if (subject === 'supervisord' || subject === 's6-supervise' || subject === 'runsv') {
      rows.push(absent(subject, metric, 'ms', 'keeps running when its server exits (a service manager, not an init for one server)'));
      continue;
    }
    // pm2-runtime retries for seconds; the 1 s runs take a second each: fewer of them.
    const count = subject === 'pm2-runtime' ? Math.min(TRIALS, 3) : runSeconds === undefined ? TRIALS : Math.min(TRIALS, 12);
    const goal = subject === 'podvisor' ? EXIT_GOAL : undefined;
    progress(`shutdown (${metric}): ${subject} × ${count}`);
    rows.push(await orAbsent(subject, metric, 'ms', async () => row(subject, metric, 'ms', await repeat(count, (file) => exitLatency(subject, file, runSeconds)), goal === undefined ? {} : { goal }), goal));
  }
}
for (const subject of SUBJECTS) {
  const goal = subject === 'podvisor' ? '± 50 ms' : undefined;
  if (subject === 'tini' || subject === 'dumb-init') {
    rows.push(absent(subject, KILLS, 'ms', 'no kill deadline: waits for the server forever'));
    continue;
  }
  if (subject === 'runsv') {
    rows.push(absent(subject, KILLS, 'ms', 'no kill deadline (sv -w is a client-side timeout)'));
    continue;
  }
  progress(`shutdown (hung server killed): ${subject} × ${KILL_TRIALS}`);
  rows.push(await orAbsent(subject, KILLS, 'ms', async () => row(subject, KILLS, 'ms', await repeat(KILL_TRIALS, (file) => killError(subject, file)), goal === undefined ? {} : { goal }), goal));
}
printResult('shutdown', rows);
