import { setTimeout as sleep } from 'node:timers/promises';
import { libc } from '../pid1/libc.ts';
import { readChildren } from '../pid1/process-table.ts';
import { escapedChildren } from '../process/process-group.ts';

const POLL_MS = 20;

/** The escaped processes now: podvisor's children that it did not spawn (none at all when the kernel says it has no children). */
function escapedNow(ownChildren: ReadonlySet<number>): number[] {
  if (hasNoChildren()) return [];
  return escapedChildren(readChildren(), process.pid, ownChildren).map((stat) => stat.pid);
}

/** waitid's ECHILD: not a single child, ended or alive (exact, and one system call). */
function hasNoChildren(): boolean {
  try {
    return libc().peekEndedChild() === -1;
  } catch {
    return false;
  }
}

/** Sends `signal` (then SIGCONT) to every escaped process now; returns their pids. */
export function signalEscapedProcesses(signal: NodeJS.Signals, ownChildren: ReadonlySet<number>): number[] {
  const pids = escapedNow(ownChildren);
  for (const pid of pids) {
    for (const each of [signal, 'SIGCONT'] as const) {
      try {
        process.kill(pid, each);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return pids;
}

/**
 * Processes that left the server's process group (setsid, setpgid) but came to podvisor (PID 1, or subreaper)
 * when their parent ended: at shutdown they get the stop signal too, and SIGKILL at the same deadline as the server
 * (counted from when the stop signal first went out, not again from the server's end), and podvisor
 * exits only when none is left (docs/supervision.md, "Processes that escaped the group"). Resolves with the pids
 * SIGKILL could not end within a second (nothing can be done for them; the log names them).
 */
export async function endEscapedProcesses(
  stopSignal: NodeJS.Signals,
  deadlineMs: number,
  ownChildren: ReadonlySet<number>,
  onSignalled: (pids: number[], signal: NodeJS.Signals) => void,
  /** When the stop signal first went out (ms since the epoch): the deadline counts from then, not from now. */
  stopSentAt?: number,
): Promise<number[]> {
  const signalled = new Set<number>();
  const started = Math.min(stopSentAt ?? Date.now(), Date.now());
  let killedAt: number | undefined;
  for (;;) {
    const escaped = escapedNow(ownChildren);
    if (escaped.length === 0) return [];
    const now = Date.now();
    if (killedAt !== undefined && now - killedAt >= 1000) return escaped;
    const late = now - started >= deadlineMs;
    const signal = late ? 'SIGKILL' : stopSignal;
    const toSignal = late ? escaped.filter(() => killedAt === undefined) : escaped.filter((pid) => !signalled.has(pid));
    if (toSignal.length > 0) {
      for (const pid of toSignal) {
        signalled.add(pid);
        for (const each of signal === 'SIGKILL' ? (['SIGKILL'] as const) : ([signal, 'SIGCONT'] as const)) {
          try {
            process.kill(pid, each);
          } catch {
            // Gone meanwhile.
          }
        }
      }
      onSignalled(toSignal, signal);
    }
    if (late) killedAt ??= now;
    await sleep(POLL_MS);
  }
}
