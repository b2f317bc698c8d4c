import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decideOnExisting, pidFile } from '../../../src/observers/pid-file.ts';
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

describe('decideOnExisting: which file already at the path may be replaced', () => {
  const alive = new Set([1, 300]);
  const cases: Array<[string, { isSymbolicLink: boolean; isRegularFile: boolean; firstLine: string }, boolean]> = [
    ['a stale pid file (its process is gone)', { isSymbolicLink: false, isRegularFile: true, firstLine: '4242' }, true],
    ['a pid file naming podvisor itself (an earlier PID 1 of this container)', { isSymbolicLink: false, isRegularFile: true, firstLine: '1' }, true],
    ['an empty file', { isSymbolicLink: false, isRegularFile: true, firstLine: '' }, false],
    ['a live process’s pid file', { isSymbolicLink: false, isRegularFile: true, firstLine: '300' }, false],
    ['/etc/passwd', { isSymbolicLink: false, isRegularFile: true, firstLine: 'root:x:0:0:root:/root:/bin/bash' }, false],
    ['a number with more on the line', { isSymbolicLink: false, isRegularFile: true, firstLine: '42 x' }, false],
    ['a symbolic link', { isSymbolicLink: true, isRegularFile: false, firstLine: '' }, false],
    ['a FIFO or a device', { isSymbolicLink: false, isRegularFile: false, firstLine: '' }, false],
  ];
  for (const [name, existing, replace] of cases) {
    it(`${name}: ${replace ? 'replaced' : 'left alone'}`, () => {
      assert.equal(decideOnExisting(existing, 1, (pid) => alive.has(pid)).replace, replace);
    });
  }
});

describe('the pid file never touches a file podvisor did not create', () => {
  const up = (path: string, errors: string[]): Supervision => {
    const supervision = supervised(path, (message) => errors.push(message));
    spawn(supervision, 777);
    supervision.apply({ type: 'ready' });
    return supervision;
  };
  const end = (supervision: Supervision): void => {
    supervision.emit({ type: 'server_exited', pid: 777, exit: { code: 1, signal: null }, ranForMs: 5 });
    supervision.emit({ type: 'supervisor_exiting', status: 0, why: 'test' });
  };

  it('PODVISOR_PID_FILE naming an existing file (a copy of /etc/passwd): neither overwritten nor removed', () => {
    // A copy, not the machine's own /etc/passwd: before the fix this test overwrote and deleted its file.
    const path = join(dir, 'passwd');
    const content = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';
    writeFileSync(path, content);
    const errors: string[] = [];
    end(up(path, errors));
    assert.equal(readFileSync(path, 'utf8'), content);
    assert.deepEqual(errors, [`cannot write pid file ${path}: exists and is not a pid file (its first line is not a process id); left alone`]);
  });

  it('a symbolic link at the path is not followed, and neither it nor its target is touched', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious\n');
    const path = join(dir, 'link.pid');
    symlinkSync(target, path);
    const dangling = join(dir, 'dangling.pid');
    symlinkSync(join(dir, 'would-be-created'), dangling);
    for (const link of [path, dangling]) {
      const errors: string[] = [];
      end(up(link, errors));
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.match(errors.join('\n'), /is a symbolic link, which podvisor never follows; left alone/);
    }
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
    assert.equal(readlinkSync(dangling), join(dir, 'would-be-created'));
    assert.equal(existsSync(join(dir, 'would-be-created')), false);
  });

  it('a FIFO at the path is left alone, without blocking', () => {
    const path = join(dir, 'fifo.pid');
    execFileSync('mkfifo', [path]);
    const errors: string[] = [];
    end(up(path, errors));
    assert.ok(lstatSync(path).isFIFO());
    assert.match(errors.join('\n'), /exists and is not a regular file; left alone/);
  });

  it('a stale pid file from an earlier run (its process gone) is replaced, then removed at the end', () => {
    const path = join(dir, 'stale.pid');
    const gone = spawnSync('true').pid as number;
    writeFileSync(path, `${gone}\n${gone + 1}\n`);
    const errors: string[] = [];
    const supervision = up(path, errors);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n777\n`);
    end(supervision);
    assert.equal(existsSync(path), false);
    assert.deepEqual(errors, []);
  });

  it('a pid file of a process that is running is left alone', () => {
    const path = join(dir, 'live.pid');
    writeFileSync(path, `${process.ppid}\n`);
    const errors: string[] = [];
    end(up(path, errors));
    assert.equal(readFileSync(path, 'utf8'), `${process.ppid}\n`);
    assert.match(errors.join('\n'), new RegExp(`belongs to process ${process.ppid}, which is running; left alone`));
  });

  it('a pid file replaced by another file after podvisor wrote it is not removed', () => {
    const path = join(dir, 'swapped.pid');
    const errors: string[] = [];
    const supervision = up(path, errors);
    rmSync(path);
    writeFileSync(path, 'someone else\n');
    end(supervision);
    assert.equal(readFileSync(path, 'utf8'), 'someone else\n');
    assert.match(errors.join('\n'), /cannot remove pid file .*swapped\.pid: was replaced by another file since podvisor wrote it; left alone/);
  });
});
