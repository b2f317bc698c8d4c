import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KIT_CHANNEL_FLUSH_MS, KIT_EXIT_MARGIN_MS, KIT_STOP_GRACE_MS, killDeadlineMs, kitDrainPlan } from '../../../src/ipc/drain-timing.ts';

describe('the drain deadline shared by podvisor and the kit', () => {
  // [drain seconds, kill grace ms] → [sessions end, stop() end] (ms after the stop signal)
  const rows: Array<[number, number, number, number]> = [
    [5, 1000, 5000, 5250], // the defaults: the whole drain for sessions, stop() its grace, the flush within the kill grace
    [5, 500, 5000, 5250],
    [5, 300, 4800, 5050],
    [5, 0, 4500, 4750],
    [0.3, 100, 0, 150], // too short for the margin: sessions are closed at once
    [0, 1000, 0, 250],
    [10, 60000, 10000, 10250], // a long kill grace does not lengthen the drain
  ];
  for (const [drainSeconds, killGraceMs, sessionsEndMs, stopEndMs] of rows) {
    it(`drain ${drainSeconds} s, kill grace ${killGraceMs} ms`, () => {
      assert.deepEqual(kitDrainPlan(drainSeconds, killGraceMs), { sessionsEndMs, stopEndMs });
      const deadline = killDeadlineMs(drainSeconds, killGraceMs);
      if (deadline >= KIT_EXIT_MARGIN_MS) {
        assert.ok(stopEndMs + KIT_CHANNEL_FLUSH_MS <= deadline, 'the kit has exited before podvisor SIGKILLs it');
        assert.ok(stopEndMs - sessionsEndMs >= Math.min(KIT_STOP_GRACE_MS, deadline - KIT_CHANNEL_FLUSH_MS - sessionsEndMs), 'stop() gets its grace');
      }
      assert.ok(sessionsEndMs <= drainSeconds * 1000, 'sessions never drain longer than the drain time');
    });
  }
});
