import { rmSync, writeFileSync } from 'node:fs';
import type { SupervisionListener } from '../supervisor/supervision.ts';
import type { SupervisionState } from '../supervisor/states.ts';

/** The states a server reaches once it is up: `starting` left behind by readiness (SPEC §10) or the kit. */
const UP: readonly SupervisionState[] = ['running', 'idle', 'refusing_connections'];

/**
 * The seed's pid file: written when the server is running (once its readiness check has passed), two lines
 * (podvisor's pid, then the server's), removed when the server is gone. Failures are reported once through
 * `onError`, never fatal.
 */
export function pidFile(path: string, onError: (message: string) => void): SupervisionListener {
  let reported = false;
  const attempt = (what: string, action: () => void): void => {
    try {
      action();
    } catch (error) {
      if (!reported) onError(`cannot ${what} pid file ${path}: ${(error as Error).message}`);
      reported = true;
    }
  };
  return (event, snapshot) => {
    const { pid } = snapshot;
    if (event.type === 'transition' && event.from === 'starting' && UP.includes(event.to) && pid !== undefined) {
      attempt('write', () => writeFileSync(path, `${process.pid}\n${pid}\n`));
    }
    if (event.type === 'server_exited' || event.type === 'supervisor_exiting') attempt('remove', () => rmSync(path, { force: true }));
  };
}
