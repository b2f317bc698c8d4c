import { after, before, describe, it } from 'node:test';
import { type Attack, spawnAttack } from '../../helpers/http-attacks.ts';
import { assertWithstood, startTarget, underAttack, type Target } from './attack-run.ts';

// Each attack of the field report, against a real podvisor restarting its server in a loop (delay 0): probes on
// fresh connections answer within 1 s, RSS stays ≤ 150 MB, restarts keep their pace. The heavier variants
// (10,000 connections, 60 pipeliners) are in test/reliability/http-attacks.test.ts.
describe('the HTTP port under attack', () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target.stop();
  });

  const attacks: Array<[string, (port: number) => Promise<Attack>]> = [
    ['(a) 64 connections that send nothing, re-opened when closed', (port) => spawnAttack('silent', port, 64)],
    ['(a) 1,000 connections that send nothing', (port) => spawnAttack('silent', port, 1000)],
    ['(a) 64 connections that send a header line a second', (port) => spawnAttack('trickle', port, 64)],
    ['(a) 1,000 connections that send a header line a second', (port) => spawnAttack('trickle', port, 1000)],
    ['(b) 8 connections pipelining GET /metrics ×50 a write, never reading', (port) => spawnAttack('pipeline', port, 8, '/metrics')],
    ['(b) 30 connections pipelining GET /metrics ×50 a write, never reading', (port) => spawnAttack('pipeline', port, 30, '/metrics')],
    ['(b) 30 connections pipelining GET /healthz ×50 a write, never reading', (port) => spawnAttack('pipeline', port, 30, '/healthz')],
    ['(c) a keep-alive storm: 200 connections, GET /metrics back to back (wrk -c200)', (port) => spawnAttack('keep-alive', port, 200, '/metrics')],
    ['(d) 4 connections POSTing 1 GB bodies', (port) => spawnAttack('post', port, 4)],
  ];
  for (const [name, attack] of attacks) {
    it(name, async () => {
      assertWithstood(target, await underAttack(target, name, attack));
    });
  }
});
