/**
 * On a terminal: what giving the server the terminal costs (docs/supervision.md, "On a terminal"). podvisor starts
 * each server there through the terminal launcher (dist/terminal-launcher.cjs: one start of Node, then the
 * command in its place); tini and dumb-init do the same in C between fork and exec.
 * - start-up: the exec of the supervisor on a new terminal (test/helpers/pty-relay.py stamps it) → the server's
 *   first instruction (bench-stamp.sh), paired with the fixture exec'd on a terminal directly; and, for podvisor,
 *   the same with stdin not a terminal (no launcher), in the same run;
 * - restart: the interval between the starts of a server that exits at once, podvisor on a terminal and not;
 * - the launcher alone: `node terminal-launcher.cjs KOFFI /bin/true` against `/bin/true`, paired.
 * node bench/terminal.bench.ts [TRIALS]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { koffiModulePath } from '../src/pid1/libc.ts';
import { orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, PODVISOR, SUBJECTS, explained, launch, realtimeMs, scratch, waitForLines, type Subject } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 20);
const RESTARTS = 30;
const STAMP = join(FIXTURES, 'bench-stamp.sh');
const START_ON_TERMINAL = 'start-up on a terminal: exec of supervisor → server runs';
const START_OFF_TERMINAL = 'start-up, stdin not a terminal: exec of supervisor → server runs';
const RESTART_ON_TERMINAL = 'restart on a terminal: server exits → next start (no delay)';
const RESTART_OFF_TERMINAL = 'restart, stdin not a terminal: server exits → next start (no delay)';
const LAUNCHER = 'the terminal launcher alone: its start → the command runs';
/** dist/terminal-launcher.cjs of the podvisor measured (the snapshot `npm run bench` takes, or the checkout's). */
const LAUNCHER_FILE = join(PODVISOR, '..', '..', 'dist', 'terminal-launcher.cjs');

const stampMs = (line: string): number => Number(BigInt(line) / 1000n) / 1000;

/**
 * ms from the exec of the supervisor (on a terminal: the relay stamps the moment before it, so Python's own start is
 * not counted; else: just before the spawn) to the fixture's stamp.
 */
async function startUp(subject: Subject | 'direct', file: string, onTerminal: boolean): Promise<number> {
  const relayStamp = `${file}.exec`;
  const spawnedAt = realtimeMs();
  const running = launch(subject, [STAMP, file, '0'], { restart: false, onTerminal, env: onTerminal ? { PTY_RELAY_STAMP: relayStamp } : {}, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    const [stamp] = await explained(running, () => waitForLines(file, 1, 10000));
    const started = onTerminal ? stampMs((await waitForLines(relayStamp, 1, 1000))[0] as string) : spawnedAt;
    return stampMs(stamp as string) - started;
  } finally {
    await running.stop();
  }
}

/** Paired trials: supervised − direct, both on a terminal or both not. */
async function pairedStartUp(subject: Subject, onTerminal: boolean): Promise<number[]> {
  const space = scratch('terminal');
  try {
    await startUp('direct', space.file('warm-direct'), onTerminal);
    await startUp(subject, space.file('warm'), onTerminal);
    const differences: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const alone = await startUp('direct', space.file(`direct-${i}`), onTerminal);
      differences.push((await startUp(subject, space.file(`stamp-${i}`), onTerminal)) - alone);
    }
    return differences;
  } finally {
    space.remove();
  }
}

/** Intervals in ms between consecutive starts of a server that exits 1 at once (the first, a warm-up, skipped). */
async function restartIntervals(onTerminal: boolean): Promise<number[]> {
  const space = scratch('terminal-restart');
  const file = space.file('stamps');
  const running = launch('podvisor', [STAMP, file, '1'], { restart: true, restartDelayMs: 0, onTerminal, podvisorEnv: { PODVISOR_LOG_LEVEL: 'warn' } });
  try {
    const stamps = (await explained(running, () => waitForLines(file, RESTARTS + 2, RESTARTS * 2500 + 10000, 5))).slice(1, RESTARTS + 2).map(stampMs);
    return stamps.slice(1).map((stamp, i) => stamp - (stamps[i] as number));
  } finally {
    await running.stop();
    space.remove();
  }
}

/** ms from spawn to exit of `argv`. */
async function runTime(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  const started = performance.now();
  const child = spawn(file, args, { stdio: 'ignore' });
  await once(child, 'exit');
  return performance.now() - started;
}

const rows: BenchRow[] = [];
for (const subject of SUBJECTS.filter((name) => name === 'podvisor' || name === 'tini' || name === 'dumb-init')) {
  progress(`start-up on a terminal: ${subject} × ${TRIALS} pairs`);
  const note = subject === 'podvisor' ? 'through the terminal launcher (one start of Node)' : 'setpgid + tcsetpgrp between fork and exec, in C';
  rows.push(await orAbsent(subject, START_ON_TERMINAL, 'ms', async () => row(subject, START_ON_TERMINAL, 'ms', await pairedStartUp(subject, true), { note })));
}
if (SUBJECTS.includes('podvisor')) {
  progress(`start-up, stdin not a terminal: podvisor × ${TRIALS} pairs`);
  rows.push(row('podvisor', START_OFF_TERMINAL, 'ms', await pairedStartUp('podvisor', false), { note: 'no launcher: one isatty(0) at start-up' }));
  progress(`restart on a terminal and not: podvisor × ${RESTARTS}`);
  rows.push(row('podvisor', RESTART_ON_TERMINAL, 'ms', await restartIntervals(true), { note: 'each server through the terminal launcher' }));
  rows.push(row('podvisor', RESTART_OFF_TERMINAL, 'ms', await restartIntervals(false)));
  progress(`the launcher alone × ${TRIALS} pairs`);
  const koffi = koffiModulePath();
  const launcherCosts: number[] = [];
  for (let i = 0; i < TRIALS + 1; i++) {
    const alone = await runTime(['/bin/true']);
    const launched = await runTime([process.execPath, LAUNCHER_FILE, koffi, '/bin/true']);
    if (i > 0) launcherCosts.push(launched - alone);
  }
  rows.push(row('podvisor', LAUNCHER, 'ms', launcherCosts, { note: 'node dist/terminal-launcher.cjs KOFFI /bin/true, minus /bin/true alone' }));
}
printResult('terminal', rows);
