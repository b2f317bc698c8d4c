import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { groupExists, signalGroup } from '../../../src/process/process-group.ts';
import { describeExit, exitStatusOf, type ServerExit } from '../../../src/process/server-exit.ts';

describe('how an exit is named and turned into a status', () => {
  const rows: Array<[ServerExit, number, string]> = [
    [{ code: 0, signal: null }, 0, 'exit code 0'],
    [{ code: 3, signal: null }, 3, 'exit code 3'],
    [{ code: 255, signal: null }, 255, 'exit code 255'],
    [{ code: null, signal: 'SIGKILL' }, 137, 'signal SIGKILL'],
    [{ code: null, signal: 'SIGTERM' }, 143, 'signal SIGTERM'],
    [{ code: null, signal: 'SIGSEGV' }, 139, 'signal SIGSEGV'],
  ];
  for (const [exit, status, description] of rows) {
    it(description, () => {
      assert.equal(exitStatusOf(exit), status);
      assert.equal(describeExit(exit), description);
    });
  }
});

describe('a process group', () => {
  it('is signalled as a whole, and is gone once its last member is reaped', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    await once(child, 'spawn');
    const group = child.pid as number;
    assert.equal(groupExists(group), true);
    assert.equal(signalGroup(group, 'SIGKILL'), true);
    await once(child, 'exit');
    // The two sleeps were re-parented (to the test's init or subreaper) and die with the group.
    for (let tries = 0; tries < 100 && groupExists(group); tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(groupExists(group), false);
    assert.equal(signalGroup(group, 'SIGTERM'), false, 'a gone group: false, no throw');
  });
});
