import { libc } from './libc.ts';

/**
 * Ends podvisor with `status`, its last words already written. process.exit would go on to tear Node down: join the
 * observer thread while it disposes of its V8 isolate, stop V8's platform threads, run the C++ destructors — 5–10 ms
 * between the last line and the end of the process, none of it needed: every write to a file, pipe or terminal is
 * done by then (synchronously), and the observer thread has closed. The 'exit' listeners still run first, as
 * process.exit runs them (podvisor's own lines still waiting for the server to end its line). Without libc, process.exit.
 */
export function exitNow(status: number): never {
  let exit: ((status: number) => never) | undefined;
  try {
    exit = libc().exitNow;
  } catch {
    exit = undefined;
  }
  if (exit === undefined) process.exit(status);
  process.exitCode = status;
  process.emit('exit', status);
  return exit(status);
}
