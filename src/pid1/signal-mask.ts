import { libc } from './libc.ts';

/**
 * bin/podvisor starts Node with --disable-sigusr1, so that no SIGUSR1 can ever open Node's inspector in PID 1
 * (any process of the pod could then run code in podvisor). Node does that by blocking SIGUSR1 on every thread,
 * which would also keep it from podvisor's own handler: podvisor unblocks it on its main thread once that handler
 * exists, and a SIGUSR1 that came meanwhile (kept pending by the kernel) is delivered then and forwarded to the
 * server (docs/supervision.md, "Signals"). Where libc cannot be reached, SIGUSR1 stays blocked, and is not
 * forwarded.
 */
export function receiveSigusr1(): boolean {
  try {
    return libc().unblockSignal('SIGUSR1');
  } catch {
    return false;
  }
}
