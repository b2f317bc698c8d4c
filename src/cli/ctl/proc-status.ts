import { readFileSync } from 'node:fs';

/** The fields of /proc/PID/status that ctl needs. */
export interface ProcessStatus {
  /** The real uid: who may signal the process (besides root). */
  readonly uid: number;
  /** Signals pending for the process: its main thread's (SigPnd) and the whole process's (ShdPnd). */
  readonly pending: bigint;
}

/** Parses /proc/PID/status. Pure; undefined for anything malformed. */
export function parseProcessStatus(text: string): ProcessStatus | undefined {
  const field = (name: string): string | undefined => text.split('\n').find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const uid = Number(field('Uid')?.split(/\s+/)[0]);
  const threadPending = field('SigPnd');
  const sharedPending = field('ShdPnd');
  if (!Number.isInteger(uid) || threadPending === undefined || sharedPending === undefined) return undefined;
  if (!/^[0-9a-f]+$/i.test(threadPending) || !/^[0-9a-f]+$/i.test(sharedPending)) return undefined;
  return { uid, pending: BigInt(`0x${threadPending}`) | BigInt(`0x${sharedPending}`) };
}

/** Whether signal number `signal` is pending: sent, and not yet delivered to a handler. Pure. */
export function isPending(status: ProcessStatus, signal: number): boolean {
  return ((status.pending >> BigInt(signal - 1)) & 1n) === 1n;
}

export function readProcessStatus(pid: number): ProcessStatus | undefined {
  try {
    return parseProcessStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}
