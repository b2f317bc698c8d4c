import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionRegistry } from '../../../src/server/session-registry.ts';

function recorder(): { counts: number[]; registry: SessionRegistry } {
  const counts: number[] = [];
  return { counts, registry: new SessionRegistry((count) => counts.push(count)) };
}

test('opening and closing change the count; closing twice counts once', () => {
  const { counts, registry } = recorder();
  const a = registry.add({ end: () => {}, kill: () => {} });
  const b = registry.add({ end: () => {}, kill: () => {} });
  assert.notEqual(a.id, b.id);
  assert.equal(registry.count, 2);
  a.close();
  a.close();
  assert.equal(registry.count, 1);
  assert.deepEqual(counts, [1, 2, 1]);
});

test('endAll asks every session to end once; they leave when they close', async () => {
  const { registry } = recorder();
  const ended: number[] = [];
  const sessions = [1, 2, 3].map((n) => {
    const session = registry.add({ end: () => ended.push(n), kill: () => assert.fail('not killed') });
    return session;
  });
  registry.endAll();
  registry.endAll();
  assert.deepEqual(ended, [1, 2, 3]);
  const empty = registry.waitUntilEmpty(5000);
  for (const session of sessions) session.close();
  assert.equal(await empty, true);
});

test('waitUntilEmpty gives up after its timeout; killAll then kills and forgets the rest', async () => {
  const { counts, registry } = recorder();
  let killed = 0;
  registry.add({ end: () => {}, kill: () => killed++ });
  registry.add({ end: () => {}, kill: () => killed++ });
  registry.endAll();
  assert.equal(await registry.waitUntilEmpty(30), false);
  assert.equal(registry.killAll(), 2);
  assert.equal(killed, 2);
  assert.equal(registry.count, 0);
  assert.equal(counts.at(-1), 0);
  assert.equal(registry.killAll(), 0);
});

test('a session that fails to end or die does not stop the others', () => {
  const { registry } = recorder();
  let endedSecond = false;
  registry.add({ end: () => { throw new Error('end bug'); }, kill: () => { throw new Error('kill bug'); } });
  registry.add({ end: () => { endedSecond = true; }, kill: () => {} });
  registry.endAll();
  assert.ok(endedSecond);
  assert.equal(registry.killAll(), 2);
  assert.equal(registry.count, 0);
});

test('bookkeeping is O(1) per session: 100,000 opens and closes stay fast', () => {
  const { registry } = new (class { registry = new SessionRegistry(() => {}); })();
  const started = performance.now();
  const sessions = [];
  for (let i = 0; i < 100_000; i++) sessions.push(registry.add({ end: () => {}, kill: () => {} }));
  for (const session of sessions) session.close();
  assert.equal(registry.count, 0);
  // A generous bound: quadratic bookkeeping would take minutes here.
  assert.ok(performance.now() - started < 5000);
});
