import { rmSync, writeFileSync } from 'node:fs';
import type { SupervisionListener } from '../supervisor/supervision.ts';
import { isUp } from '../supervisor/states.ts';

/**
 * The Darwin Streaming Server's pid file: written when the server is running (once its readiness check has passed), two lines
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
    if (event.type === 'transition' && event.from === 'starting' && isUp(event.to) && pid !== undefined) {
      attempt('write', () => writeFileSync(path, `${process.pid}\n${pid}\n`));
    }
    if (event.type === 'server_exited' || event.type === 'supervisor_exiting') attempt('remove', () => rmSync(path, { force: true }));
  };
}
