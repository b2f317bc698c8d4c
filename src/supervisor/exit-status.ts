import { constants } from 'node:os';
import type { ServerExit } from './events.ts';

/** The shell's convention: the exit code, or 128 + N for a process killed by signal N. */
export function exitStatusOf(exit: ServerExit): number {
  if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
  return exit.code ?? 0;
}

export function describeExit(exit: ServerExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code ?? 0}`;
}
