import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { StopDeadline, stopDeadlineMs } from '../../../src/supervisor/stop-deadline.ts';

describe('the stop deadline', () => {
  it('is the drain time plus the kill grace', () => assert.equal(stopDeadlineMs({ drainSeconds: 5, killGraceMs: 1000 }), 6000));

  it('kills a real process group that outlives it, once, and reports the drain as killed', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid as number;
    let alive = true;
    child.once('exit', () => (alive = false));
    const deadline = new StopDeadline(pid, 100, () => alive, Date.now);
    assert.equal(deadline.takeDrainResult(), undefined, 'nothing to report before it is armed');
    deadline.arm();
    deadline.arm();
    const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL');
    assert.equal(deadline.killedServer, true);
    const drain = deadline.takeDrainResult();
    assert.equal(drain?.outcome, 'killed');
    assert.ok(drain !== undefined && drain.seconds >= 0.09, `${drain?.seconds}`);
    assert.equal(deadline.takeDrainResult(), undefined, 'reported once');
  });

  it('a group gone before it fires: drained, nothing killed', async () => {
    const child = spawn('sh', ['-c', 'exit 0'], { detached: true, stdio: 'ignore' });
    const deadline = new StopDeadline(child.pid as number, 50, () => false, Date.now);
    deadline.arm();
    await once(child, 'exit');
    deadline.clear();
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(deadline.killedServer, false);
    assert.equal(deadline.takeDrainResult()?.outcome, 'drained');
  });
});
