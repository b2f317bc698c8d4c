import { constants } from 'node:os';
import { killedBySignalStatus } from '../ipc/exit-codes.ts';

/** How a server process ended: an exit code, or the signal that killed it (as Node's 'exit' event gives them). */
export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The shell's convention: the exit code, or 128 + N for a process killed by signal N. */
export function exitStatusOf(exit: ServerExit): number {
  if (exit.signal !== null) return killedBySignalStatus(constants.signals[exit.signal] ?? 0);
  return exit.code ?? 0;
}

/** "exit code 3", "signal SIGSEGV": how logs, Events and /status name an exit. */
export function describeExit(exit: ServerExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code ?? 0}`;
}
