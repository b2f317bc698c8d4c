import { after, before, describe, it } from 'node:test';
import { type Attack, spawnAttack } from '../helpers/http-attacks.ts';
import { assertWithstood, startTarget, underAttack, type Target } from '../integration/observability/attack-run.ts';

// The heavy variants of test/integration/observability/http-attacks.test.ts: 10,000 connections (more than
// podvisor holds where the open-file limit is 1024: then every new one closes the stalest) and 60 pipeliners.
describe('the HTTP port under heavy attack', () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target.stop();
  });

  const attacks: Array<[string, (port: number) => Promise<Attack>]> = [
    ['(a) 10,000 connections that send nothing, re-opened when closed', (port) => spawnAttack('silent', port, 10000)],
    ['(a) 10,000 connections that send a header line a second', (port) => spawnAttack('trickle', port, 10000)],
    ['(b) 60 connections pipelining GET /metrics ×50 a write, never reading', (port) => spawnAttack('pipeline', port, 60, '/metrics')],
    ['(b) 60 connections pipelining GET /healthz ×50 a write, never reading', (port) => spawnAttack('pipeline', port, 60, '/healthz')],
  ];
  for (const [name, attack] of attacks) {
    it(name, async () => {
      assertWithstood(target, await underAttack(target, name, attack, { settleMs: 3000, probeMs: 6000 }));
    });
  }
});
