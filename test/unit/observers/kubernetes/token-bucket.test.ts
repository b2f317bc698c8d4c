import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullBucket, takeToken, type TokenBucket } from '../../../../src/observers/kubernetes/token-bucket.ts';

const LIMITS = { burst: 3, refillMs: 1000 };

test('a full bucket gives its burst at once, then one token per refill period', () => {
  let bucket: TokenBucket = fullBucket(LIMITS, 0);
  const taken: boolean[] = [];
  for (let index = 0; index < 4; index++) {
    const result = takeToken(LIMITS, bucket, 0);
    bucket = result.bucket;
    taken.push(result.taken);
  }
  assert.deepEqual(taken, [true, true, true, false]);
  assert.equal(takeToken(LIMITS, bucket, 0).waitMs, 1000);
  assert.equal(takeToken(LIMITS, bucket, 400).waitMs, 600);
  assert.equal(takeToken(LIMITS, bucket, 1000).taken, true);
});

test('a bucket never holds more than its burst, however long it rested', () => {
  let bucket = takeToken(LIMITS, fullBucket(LIMITS, 0), 0).bucket;
  bucket = takeToken(LIMITS, bucket, 1_000_000).bucket;
  assert.equal(bucket.tokens, 2);
});
