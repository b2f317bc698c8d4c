import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pidFile } from '../../../src/observers/pid-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'pid-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the pid file observer', () => {
  it('writes podvisor’s pid and the server’s once the server is up, and removes the file when it ends', () => {
    const path = join(dir, 'a.pid');
    const listen = pidFile(path, () => assert.fail('no error expected'));
    listen({ type: 'server_spawned', pid: 4242, command: ['x'] });
    assert.equal(existsSync(path), false, 'spawned is not running yet');
    listen({ type: 'transition', from: 'starting', to: 'running' });
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n4242\n`);
    listen({ type: 'server_exited', pid: 4242, exit: { code: 1, signal: null }, ranForMs: 5 });
    assert.equal(existsSync(path), false);
    // The next server, reported up by the kit as idle.
    listen({ type: 'server_spawned', pid: 4343, command: ['x'] });
    listen({ type: 'transition', from: 'starting', to: 'idle' });
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n4343\n`);
    listen({ type: 'supervisor_exiting', status: 0, why: 'test' });
    assert.equal(existsSync(path), false);
  });

  it('writes nothing for a server that never leaves starting', () => {
    const path = join(dir, 'b.pid');
    const listen = pidFile(path, () => assert.fail('no error expected'));
    listen({ type: 'server_spawned', pid: 5151, command: ['x'] });
    listen({ type: 'transition', from: 'starting', to: 'shutting_down' });
    assert.equal(existsSync(path), false);
  });

  it('reports a file it cannot write once, and goes on', () => {
    const errors: string[] = [];
    const listen = pidFile(join(dir, 'missing-dir', 'c.pid'), (message) => errors.push(message));
    for (const pid of [1, 2]) {
      listen({ type: 'server_spawned', pid, command: ['x'] });
      listen({ type: 'transition', from: 'starting', to: 'running' });
    }
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /cannot write pid file .*c\.pid/);
  });
});
