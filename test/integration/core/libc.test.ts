import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { libc } from '../../../src/pid1/libc.ts';
import { eventually } from '../../helpers/podvisor-process.ts';

// The real libc calls through koffi, in this test's own process (a subreaper for the occasion).
describe('libc through koffi', () => {
  it('peeks at an ended orphan without reaping it, and waitpid then reaps it', async () => {
    const library = libc();
    assert.equal(library.becomeSubreaper(), true);
    assert.equal(library.peekEndedChild(), -1, 'no children at all yet');
    // sh leaves a sleep behind and exits: the sleep is re-parented to us, ends, and waits to be reaped.
    const shell = spawnSync('sh', ['-c', 'sleep 0.1 & echo $!'], { encoding: 'utf8' });
    const orphan = Number(shell.stdout.trim());
    assert.ok(orphan > 0);
    await eventually(() => library.peekEndedChild() === orphan, 'the orphan has ended', 5000);
    assert.equal(library.peekEndedChild(), orphan, 'peeking leaves it waitable');
    assert.equal(library.waitpidNoHang(orphan), orphan);
    assert.equal(library.peekEndedChild(), -1, 'reaped: no children left');
  });

  it('makes a pipe and sets its size', () => {
    const fds = libc().pipe();
    assert.ok(fds !== undefined);
    try {
      assert.ok(libc().setPipeSize(fds[1], 1 << 20) >= 1 << 20);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });
});
