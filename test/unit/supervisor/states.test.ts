import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasServerProcess, isLive, isReady, isUp, STATE_NUMBER, SUPERVISION_STATES, type SupervisionState } from '../../../src/supervisor/states.ts';

describe('the one classification of states', () => {
  // state: [live, has a server process, up, ready, number]
  const table: Record<SupervisionState, [boolean, boolean, boolean, boolean, number]> = {
    starting: [true, true, false, false, 0],
    running: [true, true, true, true, 1],
    refusing_connections: [true, true, true, false, 2],
    fatal_error: [false, true, false, false, 3],
    shutting_down: [false, true, false, false, 4],
    idle: [true, true, true, false, 5],
    backoff: [false, false, false, false, 6],
    stopped: [false, false, false, false, 7],
  };
  for (const state of SUPERVISION_STATES) {
    it(state, () => {
      const [live, process, up, ready, number] = table[state];
      assert.deepEqual([isLive(state), hasServerProcess(state), isUp(state), isReady(state), STATE_NUMBER[state]], [live, process, up, ready, number]);
    });
  }
});
