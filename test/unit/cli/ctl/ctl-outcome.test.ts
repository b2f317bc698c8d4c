import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartProgress, shutdownBegun } from '../../../../src/cli/ctl/ctl-outcome.ts';
import type { StatusDocument } from '../../../../src/observers/http/probe-answers.ts';

const status = (fields: Partial<StatusDocument>): StatusDocument => ({
  state: 'running',
  stateNumber: 1,
  pid: 10,
  restarts: 0,
  lastExit: null,
  uptimeSeconds: 1,
  supervisorUptimeSeconds: 1,
  backoffSeconds: 0,
  fatalLinePending: false,
  suspended: false,
  version: '0.1.0',
  ...fields,
});

describe('how far a restart has come', () => {
  const running = { restarts: 2, pid: 10 };
  const inBackoff = { restarts: 2, pid: null };
  const cases: ReadonlyArray<[string, { restarts: number; pid: number | null }, StatusDocument | 'gone', ReturnType<typeof restartProgress>]> = [
    ['the old server still drains', running, status({ state: 'shutting_down', restarts: 2, pid: 10 }), 'not_yet'],
    ['the old server ended, back-off', running, status({ state: 'backoff', restarts: 3, pid: null }), 'under_way'],
    ['the new server starts', running, status({ state: 'starting', restarts: 3, pid: 11 }), 'under_way'],
    ['the new server runs', running, status({ state: 'running', restarts: 3, pid: 11 }), 'running'],
    ['from back-off: started at once', inBackoff, status({ state: 'running', restarts: 2, pid: 12 }), 'running'],
    ['from back-off: still waiting', inBackoff, status({ state: 'backoff', restarts: 2, pid: null }), 'not_yet'],
    ['podvisor exited', running, 'gone', 'gone'],
  ];
  for (const [name, before, now, expected] of cases) {
    it(name, () => assert.equal(restartProgress(before, now), expected));
  }
});

describe('whether a shutdown has begun', () => {
  const cases: ReadonlyArray<[string, StatusDocument | 'gone', boolean]> = [
    ['running', status({ state: 'running' }), false],
    ['shutting_down (the delay, or the drain)', status({ state: 'shutting_down' }), true],
    ['stopped', status({ state: 'stopped' }), true],
    ['podvisor exited', 'gone', true],
    ['back-off', status({ state: 'backoff' }), false],
  ];
  for (const [name, now, expected] of cases) {
    it(name, () => assert.equal(shutdownBegun(now), expected));
  }
});
