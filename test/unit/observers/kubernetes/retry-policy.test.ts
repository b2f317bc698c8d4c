import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFailure, describeFailure, isRetryable, retryDelayMs } from '../../../../src/observers/kubernetes/retry-policy.ts';

const http = (code: number): Error => Object.assign(new Error(`HTTP-Code: ${code}`), { code });

test('failures are classified by what they mean for a retry', () => {
  const cases: Array<[unknown, string, boolean]> = [
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'unreachable', true],
    [Object.assign(new Error('no answer'), { name: 'TimeoutError' }), 'unreachable', true],
    [http(503), 'unreachable', true],
    [http(429), 'unreachable', true],
    [http(403), 'forbidden', false],
    [http(401), 'forbidden', false],
    [http(404), 'not_found', false],
    [http(422), 'rejected', false],
  ];
  for (const [error, kind, retryable] of cases) {
    assert.equal(classifyFailure(error), kind, String(error));
    assert.equal(isRetryable(classifyFailure(error)), retryable, String(error));
  }
});

test('retry delays double from the base and are jittered by ±50 %', () => {
  assert.deepEqual([1, 2, 3].map((attempt) => retryDelayMs(attempt, 500, () => 0.5)), [500, 1000, 2000]);
  assert.equal(retryDelayMs(1, 500, () => 0), 250);
  assert.equal(retryDelayMs(1, 500, () => 0.999), 750);
});

test('a failure is described by its status, its network code or its first line', () => {
  assert.equal(describeFailure(http(403)), 'HTTP 403');
  assert.equal(describeFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { cause: { code: 'ECONNREFUSED' } })), 'ECONNREFUSED');
  assert.equal(describeFailure(Object.assign(new Error('x'), { name: 'TimeoutError' })), 'request timed out');
  assert.equal(describeFailure(new Error('first\nsecond')), 'first');
});
