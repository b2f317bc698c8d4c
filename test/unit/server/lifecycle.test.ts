import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptsSessions, drainSecondsFrom, endsRunLoop, exitCode, killsSessions, NO_STOP_CAUSES, requestedState, type StopCauses } from '../../../src/server/lifecycle.ts';
import { SERVER_STATES, type ServerState } from '../../../src/ipc/server-states.ts';

test('the state table: only running accepts, only idle kills, shutting_down and fatal_error end the run loop', () => {
  const table: Record<ServerState, [accepts: boolean, kills: boolean, ends: boolean]> = {
    starting: [false, false, false],
    running: [true, false, false],
    refusing_connections: [false, false, false],
    fatal_error: [false, false, true],
    shutting_down: [false, false, true],
    idle: [false, true, false],
  };
  for (const state of SERVER_STATES) {
    assert.deepEqual([acceptsSessions(state), killsSessions(state), endsRunLoop(state)], table[state], state);
  }
});

test('a server moves itself between live states, never out of shutting_down or fatal_error', () => {
  assert.equal(requestedState('running', 'idle'), 'idle');
  assert.equal(requestedState('idle', 'running'), 'running');
  assert.equal(requestedState('starting', 'refusing_connections'), 'refusing_connections');
  assert.equal(requestedState('refusing_connections', 'shutting_down'), 'shutting_down');
  assert.equal(requestedState('running', 'running'), undefined);
  assert.equal(requestedState('shutting_down', 'running'), undefined);
  assert.equal(requestedState('fatal_error', 'running'), undefined);
  assert.equal(requestedState('fatal_error', 'shutting_down'), undefined);
});

test("exit codes: the Darwin Streaming Server's 0, 254 and 255, and SIGTERM wins over a SIGINT or fatal drain", () => {
  const cases: Array<[Partial<StopCauses>, number]> = [
    [{}, 0],
    [{ terminated: true }, 0],
    [{ interrupted: true }, 254],
    [{ fatal: true }, 254],
    [{ interrupted: true, terminated: true }, 0],
    [{ fatal: true, terminated: true }, 0],
    [{ startupFailed: true }, 255],
    [{ startupFailed: true, terminated: true }, 255],
    [{ startupFailed: true, fatal: true }, 255],
  ];
  for (const [causes, code] of cases) assert.equal(exitCode({ ...NO_STOP_CAUSES, ...causes }), code, JSON.stringify(causes));
});

test('PODVISOR_DRAIN_SECONDS: a non-negative number, else the default', () => {
  assert.equal(drainSecondsFrom(undefined), 5);
  assert.equal(drainSecondsFrom(''), 5);
  assert.equal(drainSecondsFrom('2'), 2);
  assert.equal(drainSecondsFrom('0.5'), 0.5);
  assert.equal(drainSecondsFrom('0'), 0);
  assert.equal(drainSecondsFrom('-1'), 5);
  assert.equal(drainSecondsFrom('soon'), 5);
});
