import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestQueue, type RequestOutcome } from '../../../../src/observers/kubernetes/request-queue.ts';

const OPTIONS = { limit: 3, attempts: 3, retryBaseMs: 5, timeoutMs: 200, random: () => 0.5 };
const http = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

function request(queue: RequestQueue, run: () => Promise<void>): Promise<RequestOutcome> {
  return new Promise((resolve) => queue.push({ run, settle: resolve }));
}

test('requests run one at a time, in order', async () => {
  const queue = new RequestQueue(OPTIONS);
  const log: string[] = [];
  const step = (name: string) => async () => {
    log.push(`${name} start`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.push(`${name} end`);
  };
  await Promise.all([request(queue, step('a')), request(queue, step('b'))]);
  assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end']);
});

test('an unreachable apiserver is retried up to the attempt limit; a 403 is not retried', async () => {
  const queue = new RequestQueue(OPTIONS);
  let tries = 0;
  const down = await request(queue, async () => {
    tries++;
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  });
  assert.deepEqual([down.ok, !down.ok && down.kind, tries], [false, 'unreachable', 3]);
  tries = 0;
  const forbidden = await request(queue, async () => {
    tries++;
    throw http(403);
  });
  assert.deepEqual([!forbidden.ok && forbidden.kind, tries], ['forbidden', 1]);
  tries = 0;
  const recovered = await request(queue, async () => {
    if (++tries < 2) throw http(503);
  });
  assert.deepEqual([recovered.ok, tries], [true, 2]);
});

test('an apiserver that never answers costs one timeout per attempt, not a hang', async () => {
  const queue = new RequestQueue({ ...OPTIONS, attempts: 2, timeoutMs: 50 });
  const startedAt = Date.now();
  const outcome = await request(queue, () => new Promise(() => {}));
  assert.deepEqual([outcome.ok, !outcome.ok && outcome.kind], [false, 'unreachable']);
  assert.ok(Date.now() - startedAt < 2000);
});

test('a full queue drops, and stop() drops what is still waiting', async () => {
  const queue = new RequestQueue({ ...OPTIONS, limit: 1 });
  let release: () => void = () => {};
  const blocked = request(queue, () => new Promise<void>((resolve) => (release = resolve)));
  await new Promise((resolve) => setImmediate(resolve));
  const waiting = request(queue, async () => {});
  const overflow = await request(queue, async () => {});
  assert.deepEqual(overflow, { ok: false, kind: 'dropped' });
  assert.equal(await queue.idle(20), false, 'idle() gives up after its timeout');
  queue.stop();
  assert.deepEqual(await waiting, { ok: false, kind: 'dropped' });
  release();
  assert.deepEqual(await blocked, { ok: true });
  assert.equal(await queue.idle(20), true);
});
