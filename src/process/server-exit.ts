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

/**
 * The signal a shell's exit status reports: 128 + N for a process that ended of signal N, and a script that traps a
 * signal and exits so (`trap 'exit 130' INT`). Only SIGINT (130) and SIGQUIT (131), the terminal's keystrokes, are
 * read this way: a 137 or 143 of a server that exited so itself is its own status. Pure.
 */
export function keystrokeSignalOfStatus(code: number | null): NodeJS.Signals | undefined {
  if (code === 130) return 'SIGINT';
  if (code === 131) return 'SIGQUIT';
  return undefined;
}
