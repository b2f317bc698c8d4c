/**
 * The deaf window: from the exec of the supervisor to the moment it has a handler of its own for SIGTERM. Before that
 * moment a SIGTERM to PID 1 is discarded by the kernel (docs/supervision.md, "Signals in the first milliseconds").
 * Two measurements:
 * - the window itself: the harness forks the supervisor and polls /proc/PID/status (every ~0.1 ms) until SigCgt holds
 *   SIGALRM, which the supervisor's first statement handles along with SIGTERM. Not SIGTERM's own bit: Node installs
 *   a SIGTERM handler of its own in its first milliseconds (it restores the terminal and re-raises the signal with
 *   the default action, which PID 1 discards), and does not handle SIGALRM. "plain Node" is a one-line Node script
 *   whose first statement handles both, the floor of any supervisor written for Node. dumb-init handles every
 *   signal. tini keeps signals by sigtimedwait, which /proc does not show: it is measured by the sweep only;
 * - what it means as PID 1 (`unshare --pid --fork --mount-proc`): a SIGTERM sent at 0, 2, 4 … 60 ms after the fork,
 *   and how many of them were lost (the supervisor was still running long after: it never heard it).
 * node bench/deaf-window.bench.ts [TRIALS]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf } from '../test/helpers/pid1.ts';
import { absent, orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { NODE, PODVISOR, SUBJECTS, delay, scratch } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 40);
const WINDOW = 'deaf window: exec → its own SIGTERM handler exists';
const LOST = 'SIGTERM at 0, 2 … 60 ms after the fork, as PID 1: lost';
/** SigCgt's bit for SIGALRM (14): set by the supervisor's first statement, never by Node itself. */
const SIGALRM_BIT = 1n << 13n;
const POLL = new Int32Array(new SharedArrayBuffer(4));
/** A lost SIGTERM leaves the supervisor running: it is declared lost when it has not exited by then. */
const LOST_AFTER_MS = 1500;

type Candidate = 'podvisor' | 'tini' | 'dumb-init' | 'plain Node';

function argv(subject: Candidate, plainNode: string): string[] {
  switch (subject) {
    case 'podvisor':
      return [PODVISOR, '--', 'sleep', '600'];
    case 'tini':
      return ['tini', '-s', '--', 'sleep', '600'];
    case 'dumb-init':
      return ['dumb-init', 'sleep', '600'];
    case 'plain Node':
      return [NODE, plainNode];
  }
}

const ENV = { ...process.env, PODVISOR_HTTP_PORT: '0', PODVISOR_KUBERNETES: 'off', PODVISOR_LOG_LEVEL: 'warn' };

/** Whether `pid` has its own signal handlers now (SIGALRM's); undefined once it is gone. */
function hasHandlers(pid: number): boolean | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  return (BigInt(`0x${/SigCgt:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'}`) & SIGALRM_BIT) !== 0n;
}

/** ms from just before the fork until the supervisor's own handlers exist. */
async function window(command: readonly string[]): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  const started = performance.now();
  const child = spawn(file, args, { stdio: 'ignore', env: ENV, detached: true });
  const pid = child.pid as number;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      const kept = hasHandlers(pid);
      if (kept === true) return performance.now() - started;
      if (kept === undefined || performance.now() - started > 5000) throw new Error(`${command.join(' ')}: never handled SIGALRM`);
      Atomics.wait(POLL, 0, 0, 0.1);
    }
  } finally {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
  }
}

/** One SIGTERM `afterMs` after the fork of the supervisor as PID 1: true when it was lost. */
async function lostAsPid1(command: readonly string[], afterMs: number): Promise<boolean> {
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', ...command], { stdio: 'ignore', env: ENV, detached: true });
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  try {
    let pid1: number | undefined;
    const started = performance.now();
    while (pid1 === undefined) {
      [pid1] = childrenOf(child.pid as number);
      if (performance.now() - started > 2000) throw new Error('unshare did not fork');
      if (pid1 === undefined) Atomics.wait(POLL, 0, 0, 0.05);
    }
    const forkedAt = performance.now();
    while (performance.now() - forkedAt < afterMs) Atomics.wait(POLL, 0, 0, 0.1);
    try {
      process.kill(pid1, 'SIGTERM');
    } catch {
      return false;
    }
    return !(await Promise.race([exited, delay(LOST_AFTER_MS).then(() => false)]));
  } finally {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
  }
}

const space = scratch('deaf-window');
const plainNode = join(space.dir, 'plain-node.cjs');
writeFileSync(plainNode, "process.on('SIGTERM', () => process.exit(0));\nprocess.on('SIGALRM', () => {});\nsetInterval(() => {}, 1 << 30);\n");
const candidates: Candidate[] = [...SUBJECTS.filter((subject): subject is 'podvisor' | 'tini' | 'dumb-init' => subject === 'podvisor' || subject === 'tini' || subject === 'dumb-init'), 'plain Node'];
const rows: BenchRow[] = [];
try {
  for (const subject of candidates) {
    if (subject === 'tini') {
      rows.push(absent(subject, WINDOW, 'ms', 'keeps signals by sigtimedwait, which /proc does not show: see the sweep as PID 1'));
      continue;
    }
    progress(`deaf window: ${subject} × ${TRIALS}`);
    rows.push(
      await orAbsent(subject, WINDOW, 'ms', async () => {
        await window(argv(subject, plainNode));
        const values: number[] = [];
        for (let i = 0; i < TRIALS; i++) values.push(await window(argv(subject, plainNode)));
        return row(subject, WINDOW, 'ms', values, subject === 'podvisor' ? { note: 'no goal of its own: Node starts up before any JavaScript runs' } : {});
      }),
    );
  }
  for (const subject of candidates) {
    progress(`deaf window as PID 1: ${subject}, SIGTERM at 0…60 ms`);
    rows.push(
      await orAbsent(subject, LOST, 'of 31', async () => {
        const lost: number[] = [];
        for (let afterMs = 0; afterMs <= 60; afterMs += 2) if (await lostAsPid1(argv(subject, plainNode), afterMs)) lost.push(afterMs);
        return { ...row(subject, LOST, 'of 31', [lost.length]), note: lost.length === 0 ? 'none lost' : `lost at ${lost.join(', ')} ms` };
      }),
    );
  }
} finally {
  space.remove();
}
printResult('deaf-window', rows);
