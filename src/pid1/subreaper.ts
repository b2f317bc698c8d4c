import { libc } from './libc.ts';

/**
 * Outside a container podvisor is not PID 1, so orphans of the server would go to the host's init.
 * As a child subreaper they come to podvisor instead, and the same reaping holds everywhere.
 */
export function becomeSubreaper(): boolean {
  return process.pid === 1 || libc().becomeSubreaper();
}
