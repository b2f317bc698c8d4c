import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orphanZombies, parseProcStat } from '../../../src/pid1/proc-stat.ts';

describe('parseProcStat', () => {
  it('reads pid, state, parent and group, even with odd command names', () => {
    assert.deepEqual(parseProcStat('42 (sleep) Z 1 42 42 0 -1 4194560'), { pid: 42, state: 'Z', parentPid: 1, processGroup: 42 });
    assert.deepEqual(parseProcStat('7 (a) b (c)) S 3 7 7 0'), { pid: 7, state: 'S', parentPid: 3, processGroup: 7 });
  });
  it('rejects malformed text', () => {
    assert.equal(parseProcStat(''), undefined);
    assert.equal(parseProcStat('12 sleep Z 1'), undefined);
  });
});

describe('orphanZombies', () => {
  it('takes zombies of ours that libuv is not waiting for', () => {
    const stats = [
      { pid: 10, state: 'Z', parentPid: 1, processGroup: 10 },
      { pid: 11, state: 'Z', parentPid: 1, processGroup: 11 },
      { pid: 12, state: 'S', parentPid: 1, processGroup: 12 },
      { pid: 13, state: 'Z', parentPid: 99, processGroup: 13 },
    ];
    assert.deepEqual(orphanZombies(stats, 1, new Set([11])), [10]);
  });
});
