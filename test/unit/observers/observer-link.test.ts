import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DROPPABLE_EVENTS, leaveOutDroppable } from '../../../src/observers/observer-link.ts';
import type { ObservedEvent } from '../../../src/observers/observer-protocol.ts';
import type { SupervisionEvent } from '../../../src/supervisor/events.ts';
import { Supervision } from '../../../src/supervisor/supervision.ts';

const snapshot = new Supervision().snapshot;
const observed = (event: SupervisionEvent, at: number): ObservedEvent => [event, snapshot, at];

describe('the observer link leaves out only what nothing counts, when the observers fall behind', () => {
  it('keeps restarts, exits and reaped orphans (the metrics count them), in order; leaves out state changes, session counts, forwarded signals', () => {
    const pending: ObservedEvent[] = [
      observed({ type: 'sessions_changed', count: 3 }, 1),
      observed({ type: 'server_exited', pid: 7, exit: { code: 3, signal: null }, ranForMs: 10 }, 2),
      observed({ type: 'signal_forwarded', signal: 'SIGUSR2', pid: 7 }, 3),
      observed({ type: 'restart_scheduled', reason: 'exit_code', delayMs: 0, cause: 'exit code 3' }, 4),
      observed({ type: 'orphan_reaped', pid: 9 }, 5),
    ];
    assert.deepEqual(leaveOutDroppable(pending).map(([, , at]) => at), [2, 4, 5]);
  });

  it('what may be left out is only logged or shown from the snapshot', () => {
    assert.deepEqual([...DROPPABLE_EVENTS].sort(), ['prefs_reloaded', 'server_suspended', 'sessions_changed', 'signal_forwarded', 'transition']);
  });
});
