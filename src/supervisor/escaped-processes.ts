import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessTable } from '../pid1/process-table.ts';
import { escapedChildren } from '../process/process-group.ts';

const POLL_MS = 20;

/** Sends `signal` (then SIGCONT) to every escaped process now; returns their pids. */
export function signalEscapedProcesses(signal: NodeJS.Signals, ownChildren: ReadonlySet<number>): number[] {
  const pids = escapedChildren(readProcessTable(), process.pid, ownChildren).map((stat) => stat.pid);
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
 * when their parent ended: at shutdown they get the stop signal too, and SIGKILL at the deadline, and podvisor
 * exits only when none is left (docs/supervision.md, "Processes that escaped the group"). Resolves with the pids
 * SIGKILL could not end within a second (nothing can be done for them; the log names them).
 */
export async function endEscapedProcesses(stopSignal: NodeJS.Signals, deadlineMs: number, ownChildren: ReadonlySet<number>, onSignalled: (pids: number[], signal: NodeJS.Signals) => void): Promise<number[]> {
  const signalled = new Set<number>();
  const started = Date.now();
  let killedAt: number | undefined;
  for (;;) {
    const escaped = escapedChildren(readProcessTable(), process.pid, ownChildren).map((stat) => stat.pid);
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
