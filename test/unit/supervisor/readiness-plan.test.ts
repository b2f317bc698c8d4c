import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadinessCheck } from '../../../src/config/readiness-setting.ts';
import { readinessPlan, readinessTimedOut, type ReadinessPlan } from '../../../src/supervisor/readiness-plan.ts';
import { SUPERVISION_STATES } from '../../../src/supervisor/states.ts';

const tcp: ReadinessCheck = { kind: 'tcp', host: '127.0.0.1', port: 8080 };
const http: ReadinessCheck = { kind: 'http', url: new URL('http://127.0.0.1:8080/health') };

describe('readinessPlan: how a server counts as running', () => {
  const rows: Array<[string, ReadinessCheck, number, ReadinessPlan]> = [
    ['auto: running once spawned, no timeout (a kit server takes over with its hello)', { kind: 'auto' }, 60000, { readyAtSpawn: true, poll: undefined, timeoutMs: undefined }],
    ['kit: wait for its report, within the timeout', { kind: 'kit' }, 60000, { readyAtSpawn: false, poll: undefined, timeoutMs: 60000 }],
    ['tcp: poll the port, within the timeout', tcp, 5000, { readyAtSpawn: false, poll: tcp as Extract<ReadinessCheck, { kind: 'tcp' }>, timeoutMs: 5000 }],
    ['http: poll the URL, within the timeout', http, 5000, { readyAtSpawn: false, poll: http as Extract<ReadinessCheck, { kind: 'http' }>, timeoutMs: 5000 }],
    ['timeout 0: wait forever', tcp, 0, { readyAtSpawn: false, poll: tcp as Extract<ReadinessCheck, { kind: 'tcp' }>, timeoutMs: undefined }],
  ];
  for (const [name, check, timeoutMs, expected] of rows) it(name, () => assert.deepEqual(readinessPlan(check, timeoutMs), expected));
});

describe('readinessTimedOut: the timeout applies only to a server still starting that nobody asked to stop', () => {
  for (const state of SUPERVISION_STATES) {
    it(`${state}, not asked to stop → ${state === 'starting'}`, () => assert.equal(readinessTimedOut(state, false), state === 'starting'));
  }
  it('starting, but already asked to stop → false', () => assert.equal(readinessTimedOut('starting', true), false));
});
