import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitLabels } from '../../../../src/observers/metrics/exit-labels.ts';
import { snapshotValues } from '../../../../src/observers/metrics/snapshot-values.ts';
import { SUPERVISION_STATES } from '../../../../src/supervisor/states.ts';
import { Supervision, type SupervisionSnapshot } from '../../../../src/supervisor/supervision.ts';

const base: SupervisionSnapshot = new Supervision({ now: 1_000_000 }).snapshot;

describe('snapshotValues', () => {
  for (const state of SUPERVISION_STATES) {
    it(`is one-hot with all eight states present in ${state}`, () => {
      const values = snapshotValues({ ...base, state }, 2_000_000);
      assert.deepEqual(
        values.state.map(([name]) => name),
        [...SUPERVISION_STATES],
      );
      assert.deepEqual(
        values.state.filter(([, value]) => value === 1).map(([name]) => name),
        [state],
      );
    });
  }

  const cases: ReadonlyArray<{ name: string; snapshot: Partial<SupervisionSnapshot>; now: number; expected: Partial<ReturnType<typeof snapshotValues>> }> = [
    { name: 'before the first spawn', snapshot: {}, now: 5000, expected: { up: 0, startTimeSeconds: 0, uptimeSeconds: 0, backoffSeconds: 0, sessions: 0 } },
    {
      name: 'a running server',
      snapshot: { state: 'running', pid: 42, serverStartedAt: 1_700_000_000_000 },
      now: 1_700_000_002_500,
      expected: { up: 1, startTimeSeconds: 1_700_000_000, uptimeSeconds: 2.5 },
    },
    {
      name: 'back-off keeps the last start time, no uptime',
      snapshot: { state: 'backoff', pid: undefined, serverStartedAt: 1_700_000_000_000, backoffMs: 1500 },
      now: 1_700_000_009_000,
      expected: { up: 0, startTimeSeconds: 1_700_000_000, uptimeSeconds: 0, backoffSeconds: 1.5 },
    },
    { name: 'sessions from the kit', snapshot: { state: 'running', pid: 7, serverStartedAt: 10, sessions: 12 }, now: 10, expected: { sessions: 12, uptimeSeconds: 0 } },
    { name: 'a clock step backwards never makes uptime negative', snapshot: { pid: 7, serverStartedAt: 10_000 }, now: 9000, expected: { uptimeSeconds: 0 } },
  ];
  for (const { name, snapshot, now, expected } of cases) {
    it(name, () => {
      const values = snapshotValues({ ...base, ...snapshot }, now);
      for (const [key, value] of Object.entries(expected)) assert.equal(values[key as keyof typeof values], value, key);
    });
  }
});

describe('exitLabels', () => {
  it('labels an exit code with an empty signal', () => {
    assert.deepEqual(exitLabels({ code: 3, signal: null }, undefined), { code: '3', signal: '', stopped_by: 'none' });
    assert.deepEqual(exitLabels({ code: 0, signal: null }, 'podvisor'), { code: '0', signal: '', stopped_by: 'podvisor' });
  });
  it('labels a death by signal with an empty code, and says whose signal it was', () => {
    assert.deepEqual(exitLabels({ code: null, signal: 'SIGKILL' }, undefined), { code: '', signal: 'SIGKILL', stopped_by: 'none' });
    assert.deepEqual(exitLabels({ code: null, signal: 'SIGTERM' }, 'podvisor'), { code: '', signal: 'SIGTERM', stopped_by: 'podvisor' });
  });
});
