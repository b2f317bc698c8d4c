import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFailure, describeFailure } from '../../../../src/observers/kubernetes/retry-policy.ts';
import { deserializeError, serializeError } from '../../../../src/observers/kubernetes/worker-protocol.ts';

const roundTrip = (error: unknown): Error => deserializeError(structuredClone(serializeError(error)));

test('a failure keeps across the thread boundary what classifies and describes it', () => {
  const forbidden = roundTrip(Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: '{"message":"forbidden"}' }));
  assert.deepEqual([classifyFailure(forbidden), describeFailure(forbidden), (forbidden as Error & { body?: string }).body], ['forbidden', 'HTTP 403', '{"message":"forbidden"}']);
  const refused = roundTrip(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }));
  assert.deepEqual([classifyFailure(refused), describeFailure(refused)], ['unreachable', 'ECONNREFUSED']);
  const timeout = roundTrip(Object.assign(new Error('no answer within 5000 ms'), { name: 'TimeoutError' }));
  assert.deepEqual([classifyFailure(timeout), describeFailure(timeout)], ['unreachable', 'request timed out']);
  assert.equal(describeFailure(roundTrip('not an Error')), 'not an Error');
});
