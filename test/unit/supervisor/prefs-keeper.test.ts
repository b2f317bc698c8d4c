import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PrefsResult } from '../../../src/config/prefs.ts';
import { PrefsKeeper } from '../../../src/supervisor/prefs-keeper.ts';
import { Supervision } from '../../../src/supervisor/supervision.ts';

/** A prefs file whose reads end only when the test says so. */
function slowFile(): { read: () => Promise<PrefsResult>; reads: () => number; finish: (autoRestart: boolean) => void } {
  const waiting: Array<(result: PrefsResult) => void> = [];
  let reads = 0;
  return {
    read: () => {
      reads += 1;
      return new Promise((resolve) => waiting.push(resolve));
    },
    reads: () => reads,
    finish: (autoRestart) => waiting.shift()?.({ ok: true, prefs: { autoRestart } }),
  };
}

describe('PrefsKeeper: one read at a time', () => {
  it('a flood of SIGHUPs during a read is one more read after it, and one prefs_reloaded each', async () => {
    const supervision = new Supervision();
    const reloaded: string[] = [];
    supervision.observe((event) => {
      if (event.type === 'prefs_reloaded') reloaded.push(event.trigger);
    });
    const file = slowFile();
    const keeper = new PrefsKeeper(file.read, { autoRestart: undefined }, true, supervision);
    const first = keeper.reload('sighup');
    const flood = Array.from({ length: 10_000 }, () => keeper.reload('sighup'));
    const restart = keeper.reload('restart');
    assert.equal(file.reads(), 1, 'one read under way');
    file.finish(true);
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(file.reads(), 2, 'one more read for all who asked meanwhile');
    file.finish(false);
    await Promise.all([...flood, restart]);
    assert.equal(file.reads(), 2);
    assert.deepEqual(reloaded, ['sighup', 'sighup']);
    assert.equal(keeper.autoRestart, false, 'the last read decides');
  });

  it('a restart asked for during a read waits for a read that began after it', async () => {
    const file = slowFile();
    const keeper = new PrefsKeeper(file.read, { autoRestart: undefined }, true, new Supervision());
    void keeper.reload('file_changed');
    let done = false;
    const restart = keeper.reload('restart').then(() => (done = true));
    file.finish(true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(done, false, 'the read that was under way began before the restart asked');
    file.finish(false);
    await restart;
    assert.equal(keeper.autoRestart, false);
  });

  it('a read that throws keeps the last good prefs and is reported', async () => {
    const supervision = new Supervision();
    const rejected: string[] = [];
    supervision.observe((event) => {
      if (event.type === 'prefs_rejected') rejected.push(event.message);
    });
    const keeper = new PrefsKeeper(() => Promise.reject(new Error('EMFILE')), { autoRestart: false }, true, supervision);
    await keeper.reload('sighup');
    assert.equal(keeper.autoRestart, false);
    assert.deepEqual(rejected, ['cannot read the prefs file: EMFILE; keeping the last good prefs (autoRestart=false)']);
  });
});
