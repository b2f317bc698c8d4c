import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthAnswer, readinessAnswer, statusDocument } from '../../../../src/observers/http/probe-answers.ts';
import { STATE_NUMBER, SUPERVISION_STATES } from '../../../../src/supervisor/states.ts';
import type { SupervisionSnapshot } from '../../../../src/supervisor/supervision.ts';

const base: SupervisionSnapshot = {
  state: 'starting',
  pid: 100,
  restarts: 0,
  lastExit: undefined,
  serverStartedAt: 1000,
  backoffMs: 0,
  sessions: undefined,
  fatalLinePending: false,
  serverSuspended: false,
  supervisorStartedAt: 500,
};

describe('readinessAnswer', () => {
  for (const state of SUPERVISION_STATES) {
    const expected = state === 'running' ? 200 : 503;
    it(`${state} → ${expected}, naming the state`, () => {
      const answer = readinessAnswer({ ...base, state });
      assert.equal(answer.status, expected);
      assert.match(answer.body, new RegExp(`\\b${state}\\b`));
    });
  }
});

describe('healthAnswer', () => {
  for (const state of SUPERVISION_STATES.filter((name) => name !== 'stopped')) {
    it(`${state} → 200 (supervision alive, back-off included)`, () => assert.equal(healthAnswer({ ...base, state }).status, 200));
  }
  it('stopped after a server ended → 503 (supervision has ended)', () => {
    assert.equal(healthAnswer({ ...base, state: 'stopped', pid: undefined, lastExit: { code: 0, signal: null } }).status, 503);
  });
  it('stopped before the first spawn → 200 (the spawn is under way)', () => {
    assert.equal(healthAnswer({ ...base, state: 'stopped', pid: undefined }).status, 200);
  });
});

describe('statusDocument', () => {
  it('describes a running server built on the kit', () => {
    const document = statusDocument({ ...base, state: 'running', restarts: 2, sessions: 3, lastExit: { code: 254, signal: null } }, 4000, '1.2.3');
    assert.deepEqual(document, {
      state: 'running',
      stateNumber: 1,
      pid: 100,
      restarts: 2,
      lastExit: { code: 254, signal: null, description: 'exit code 254' },
      uptimeSeconds: 3,
      supervisorUptimeSeconds: 3.5,
      fatalLinePending: false,
      suspended: false,
      backoffSeconds: 0,
      sessions: 3,
      version: '1.2.3',
    });
  });
  it('has no sessions field when the server does not report them, and no pid or uptime in back-off', () => {
    const document = statusDocument({ ...base, state: 'backoff', pid: undefined, backoffMs: 2000, lastExit: { code: null, signal: 'SIGKILL' } }, 4000, '1.2.3');
    assert.equal('sessions' in document, false);
    assert.equal(document.pid, null);
    assert.equal(document.uptimeSeconds, 0);
    assert.equal(document.backoffSeconds, 2);
    assert.equal(document.stateNumber, STATE_NUMBER.backoff);
    assert.deepEqual(document.lastExit, { code: null, signal: 'SIGKILL', description: 'signal SIGKILL' });
  });
});
