import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUPERVISION_STATES, type SupervisionState } from '../../../src/supervisor/states.ts';
import { nextState, type StateInput } from '../../../src/supervisor/transitions.ts';

function table(input: StateInput): Partial<Record<SupervisionState, SupervisionState>> {
  const result: Partial<Record<SupervisionState, SupervisionState>> = {};
  for (const state of SUPERVISION_STATES) {
    const to = nextState(state, input);
    if (to !== undefined) result[state] = to;
  }
  return result;
}

describe('the transition table', () => {
  it('spawned: from back-off or stopped to starting', () => assert.deepEqual(table({ type: 'spawned' }), { backoff: 'starting', stopped: 'starting' }));
  it('ready: only from starting', () => assert.deepEqual(table({ type: 'ready' }), { starting: 'running' }));
  it('a fatal line: every live state goes to fatal_error', () =>
    assert.deepEqual(table({ type: 'fatal_logged' }), { starting: 'fatal_error', running: 'fatal_error', refusing_connections: 'fatal_error', idle: 'fatal_error' }));
  it('stop requested: every live state and fatal_error go to shutting_down', () =>
    assert.deepEqual(table({ type: 'stop_requested' }), {
      starting: 'shutting_down',
      running: 'shutting_down',
      refusing_connections: 'shutting_down',
      idle: 'shutting_down',
      fatal_error: 'shutting_down',
    }));
  it('exited: any server state to backoff when restarting, else stopped', () => {
    const restarting = table({ type: 'exited', restarting: true });
    const ending = table({ type: 'exited', restarting: false });
    for (const state of ['starting', 'running', 'refusing_connections', 'fatal_error', 'shutting_down', 'idle'] as const) {
      assert.equal(restarting[state], 'backoff');
      assert.equal(ending[state], 'stopped');
    }
    assert.equal(restarting.backoff, undefined);
  });
  it('supervision ended: back-off to stopped', () => assert.deepEqual(table({ type: 'supervision_ended' }), { backoff: 'stopped' }));
  it('the kit moves a live server between its states, never back to starting', () => {
    assert.deepEqual(table({ type: 'kit_reported', state: 'idle' }), { starting: 'idle', running: 'idle', refusing_connections: 'idle' });
    assert.deepEqual(table({ type: 'kit_reported', state: 'starting' }), {});
    // The kit never leaves fatal_error or shutting_down (src/server/lifecycle.ts), and podvisor does not expect it to.
    assert.equal(nextState('fatal_error', { type: 'kit_reported', state: 'shutting_down' }), undefined);
    assert.equal(nextState('shutting_down', { type: 'kit_reported', state: 'running' }), undefined);
  });
  it('the kit attaching may take a server that was running by default back to starting', () => {
    assert.equal(nextState('running', { type: 'kit_attached', state: 'starting' }), 'starting');
    assert.equal(nextState('shutting_down', { type: 'kit_attached', state: 'starting' }), undefined);
  });
});
