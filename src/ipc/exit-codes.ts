/**
 * Exit statuses with a meaning, shared by podvisor and the server kit (docs/supervision.md, "Exit statuses").
 * The server's 254 and 255 are the Darwin Streaming Server's exit(-2) and exit(-1) (docs/origins.md).
 */
export const EXIT = {
  /** The server ended cleanly; podvisor ended cleanly (shutdown drained in time). */
  ok: 0,
  /** podvisor gave up: more restarts than the start limit allows. */
  gaveUp: 1,
  /** Bad configuration: nothing was started. */
  badConfiguration: 2,
  /** The command exists but cannot be executed (as shells report it). */
  cannotExecute: 126,
  /** The command was not found (as shells report it). */
  notFound: 127,
  /** The server's "restart me" (exit(-2)): after a fatal error or SIGINT. */
  restartMe: 254,
  /** The server's "can't run, don't try again" (exit(-1)): start-up failed. */
  doNotRetry: 255,
} as const;

/** The shell's convention for a process killed by signal `number`: 128 + N (137 for SIGKILL). */
export function killedBySignalStatus(number: number): number {
  return 128 + number;
}
