import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartsInWindow, startLimitReached } from '../../../src/supervisor/start-limit.ts';

describe('start limit', () => {
  const settings = { burst: 3, intervalMs: 10000 };
  it('allows `burst` restarts within the interval and refuses the next', () => {
    assert.equal(startLimitReached(settings, [], 0), false);
    assert.equal(startLimitReached(settings, [1, 2], 3), false);
    assert.equal(startLimitReached(settings, [1, 2, 3], 4), true);
  });
  it('forgets restarts older than the interval', () => {
    assert.deepEqual(restartsInWindow(settings, [0, 5000, 9000], 10000), [5000, 9000]);
    assert.equal(startLimitReached(settings, [0, 5000, 9000], 10000), false);
  });
  it('burst 0 disables the limit', () => assert.equal(startLimitReached({ burst: 0, intervalMs: 1 }, [1, 1, 1, 1], 1), false));
});
