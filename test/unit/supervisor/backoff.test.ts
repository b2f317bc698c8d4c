import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartDelay, streakAfterRun } from '../../../src/supervisor/backoff.ts';

const settings = { restartDelayMs: 1000, backoffMaxMs: 30000, stableAfterMs: 60000 };
const middle = (): number => 0.5;

describe('restartDelay', () => {
  it('the first restart waits exactly the configured delay (no jitter)', () => {
    assert.equal(restartDelay(settings, 0, () => 0), 1000);
    assert.equal(restartDelay(settings, 0, () => 0.999), 1000);
  });
  it('doubles with each short run', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((streak) => restartDelay(settings, streak, middle)), [1000, 2000, 4000, 8000, 16000]);
  });
  it('is capped at the maximum', () => {
    assert.equal(restartDelay(settings, 5, middle), 30000);
    assert.equal(restartDelay(settings, 50, () => 0.999), 30000);
    assert.equal(restartDelay(settings, 5000, middle), 30000);
  });
  it('jitters grown delays by at most ±10 %, within [delay, max]', () => {
    for (const random of [0, 0.25, 0.75, 0.9999]) {
      const delay = restartDelay(settings, 2, () => random);
      assert.ok(delay >= 3600 && delay <= 4400, `${delay}`);
    }
    assert.ok(restartDelay(settings, 1, () => 0) >= 1800);
  });
  it('a delay of 0 stays 0', () => assert.equal(restartDelay({ ...settings, restartDelayMs: 0 }, 7, middle), 0));
});

describe('streakAfterRun', () => {
  it('keeps the streak after a short run and forgets it after a stable one', () => {
    assert.equal(streakAfterRun(settings, 3, 59999), 3);
    assert.equal(streakAfterRun(settings, 3, 60000), 0);
  });
});
