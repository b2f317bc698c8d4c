import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pidFile } from '../../../src/observers/pid-file.ts';
import { Supervision } from '../../../src/supervisor/supervision.ts';

const dir = mkdtempSync(join(tmpdir(), 'pid-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A real Supervision driven as the supervisor drives it, with the pid file observing it. */
function supervised(path: string, onError: (message: string) => void = () => assert.fail('no error expected')): Supervision {
  const supervision = new Supervision();
  supervision.observe(pidFile(path, onError));
  return supervision;
}

function spawn(supervision: Supervision, pid: number): void {
  supervision.update({ pid });
  supervision.apply({ type: 'spawned' });
  supervision.emit({ type: 'server_spawned', pid, command: ['x'] });
}

describe('the pid file observer', () => {
  it('writes podvisor’s pid and the server’s once the server is up, and removes the file when it ends', () => {
    const path = join(dir, 'a.pid');
    const supervision = supervised(path);
    spawn(supervision, 4242);
    assert.equal(existsSync(path), false, 'spawned is not running yet');
    supervision.apply({ type: 'ready' });
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n4242\n`);
    supervision.emit({ type: 'server_exited', pid: 4242, exit: { code: 1, signal: null }, ranForMs: 5 });
    assert.equal(existsSync(path), false);
    supervision.emit({ type: 'supervisor_exiting', status: 0, why: 'test' });
    assert.equal(existsSync(path), false);
  });

  it('writes nothing for a server that never leaves starting', () => {
    const path = join(dir, 'b.pid');
    const supervision = supervised(path);
    spawn(supervision, 5151);
    supervision.apply({ type: 'stop_requested' });
    assert.equal(existsSync(path), false);
  });

  it('reports a file it cannot write once, and goes on', () => {
    const errors: string[] = [];
    const listen = pidFile(join(dir, 'missing-dir', 'c.pid'), (message) => errors.push(message));
    const snapshot = { ...new Supervision().snapshot, pid: 7 };
    listen({ type: 'transition', from: 'starting', to: 'running' }, snapshot);
    listen({ type: 'transition', from: 'starting', to: 'idle' }, snapshot);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /cannot write pid file .*c\.pid/);
  });
});
