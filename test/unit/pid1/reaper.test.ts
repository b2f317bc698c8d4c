import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { OrphanReaper, type ReapingCalls } from '../../../src/pid1/reaper.ts';

/** The kernel's ended children, in the order waitid reports them; waitpid removes one. */
function fakeLibc(zombies: number[], peek: 'known' | 'unknown' = 'known'): ReapingCalls & { waited: number[]; peeks: number } {
  const library = {
    waited: [] as number[],
    peeks: 0,
    waitpidNoHang(pid: number): number {
      const index = zombies.indexOf(pid);
      if (index === -1) return -1;
      zombies.splice(index, 1);
      library.waited.push(pid);
      return pid;
    },
    peekEndedChild(): number | undefined {
      library.peeks += 1;
      if (peek === 'unknown') return undefined;
      return zombies[0] ?? 0;
    },
  };
  return library;
}

describe('OrphanReaper', () => {
  it('reaps every ended orphan by pid, without a /proc scan, and reports each', () => {
    const library = fakeLibc([31, 32, 33]);
    const reported: number[] = [];
    const reaper = new OrphanReaper(new Set([7]), (pid) => reported.push(pid), library);
    assert.equal(reaper.reap(), 3);
    assert.deepEqual(reported, [31, 32, 33]);
    assert.deepEqual(library.waited, [31, 32, 33]);
    assert.equal(library.peeks, 4, 'one peek per orphan and a last one that finds none');
  });

  it('does nothing when no child has ended', () => {
    const library = fakeLibc([]);
    const reaper = new OrphanReaper(new Set([7]), () => assert.fail('nothing to report'), library);
    assert.equal(reaper.reap(), 0);
    assert.deepEqual(library.waited, []);
  });

  it('never takes the status of a child libuv waits for, and reaps the orphans behind it after libuv has', async () => {
    const zombies = [7, 41, 42];
    const library = fakeLibc(zombies);
    const ours = new Set([7]);
    const reported: number[] = [];
    const reaper = new OrphanReaper(ours, (pid) => reported.push(pid), library);
    assert.equal(reaper.reap(), 0, 'the server (libuv’s) is first in line: wait for libuv');
    assert.deepEqual(library.waited, []);
    // libuv reaps its child in this turn; the supervisor forgets its pid.
    zombies.splice(zombies.indexOf(7), 1);
    ours.delete(7);
    await nextTurn();
    await nextTurn();
    assert.deepEqual(reported, [41, 42]);
    assert.deepEqual(library.waited, [41, 42]);
    reaper.stop();
  });

  it('falls back to the /proc scan where the peek is not available, and never waits for a pid blindly', () => {
    const library = fakeLibc([55], 'unknown');
    const reaper = new OrphanReaper(new Set(), () => {}, library);
    // This test process has no zombie children in /proc: the scan finds none and pid 55 is left alone.
    assert.equal(reaper.reap(), 0);
    assert.deepEqual(library.waited, []);
  });
});
