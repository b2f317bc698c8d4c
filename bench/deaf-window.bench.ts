/**
 * The deaf window: from the exec of the supervisor to the moment it has a handler for SIGTERM. Before that moment a
 * SIGTERM to PID 1 is discarded by the kernel (docs/supervision.md, "Signals in the first milliseconds"). Two
 * measurements:
 * - the window itself: the harness forks the supervisor and polls /proc/PID/status (every ~0.1 ms) until SigCgt holds
 *   SIGTERM; "plain Node" is a one-line Node script whose first statement is process.on('SIGTERM'), the floor of any
 *   supervisor written for Node. SigBlk is not looked at: Node blocks every signal for moments while it starts its
 *   threads, and a signal blocked then is still discarded once unblocked. tini keeps signals by sigtimedwait, which
 *   /proc does not show: it is measured by the sweep only;
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
const WINDOW = 'deaf window: exec → a SIGTERM handler exists';
const LOST = 'SIGTERM at 0, 2 … 60 ms after the fork, as PID 1: lost';
const SIGTERM_BIT = 1n << 14n;
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

/** Whether `pid` has a SIGTERM handler now; undefined once it is gone. */
function catchesSigterm(pid: number): boolean | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  return (BigInt(`0x${/SigCgt:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'}`) & SIGTERM_BIT) !== 0n;
}

/** ms from just before the fork until a SIGTERM handler exists. */
async function window(command: readonly string[]): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  const started = performance.now();
  const child = spawn(file, args, { stdio: 'ignore', env: ENV, detached: true });
  const pid = child.pid as number;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      const kept = catchesSigterm(pid);
      if (kept === true) return performance.now() - started;
      if (kept === undefined || performance.now() - started > 5000) throw new Error(`${command.join(' ')}: never caught SIGTERM`);
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
writeFileSync(plainNode, "process.on('SIGTERM', () => process.exit(0));\nsetInterval(() => {}, 1 << 30);\n");
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
