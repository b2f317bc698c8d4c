import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { readChildren } from '../../src/pid1/process-table.ts';
import { startPodvisor, type RunningPodvisor, type StartOptions } from './podvisor-process.ts';

/** `unshare --pid --fork --mount-proc` runs podvisor as PID 1 of a fresh PID namespace: a cheap container. */
export const AS_PID_1 = ['unshare', '--pid', '--fork', '--mount-proc'];

export interface Pid1Podvisor extends RunningPodvisor {
  /** The pid (in the test's namespace) of podvisor as PID 1: unshare's only child, found as soon as it exists. */
  readonly pid1: number;
}

/** The children of `pid`, from /proc (no ps or pgrep: this must be quick). */
export function childrenOf(pid: number): number[] {
  return readChildren(pid).map((child) => child.pid);
}

/** Whether `pid` has a handler installed for `signal` (SigCgt of /proc/PID/status). */
export function catches(pid: number, signal: NodeJS.Signals): boolean {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('SigCgt:'));
    const mask = BigInt(`0x${line?.split(/\s+/)[1] ?? '0'}`);
    return ((mask >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Starts podvisor as PID 1 and resolves once its pid is known (within microseconds of unshare's fork). */
export async function startAsPid1(options: StartOptions): Promise<Pid1Podvisor> {
  const podvisor = startPodvisor({ ...options, wrapper: AS_PID_1 });
  for (let tries = 0; tries < 20_000; tries++) {
    const [pid1] = childrenOf(podvisor.pid);
    if (pid1 !== undefined) return Object.assign(podvisor, { pid1 });
    await delay(0);
  }
  podvisor.kill();
  throw new Error('unshare did not fork');
}
