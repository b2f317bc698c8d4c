import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventName, observe, SERIES_FINISH_MS, type SeriesTable } from '../../../../src/observers/kubernetes/event-series.ts';
import type { PodEventIntent } from '../../../../src/observers/kubernetes/pod-events.ts';

const CRASH: PodEventIntent = { type: 'Warning', reason: 'ServerRestarting', action: 'RestartAfterExit', note: 'Restarting the server after exit code 3' };
const SIGNAL: PodEventIntent = { ...CRASH, action: 'RestartAfterSignal', note: 'Restarting the server after signal SIGSEGV' };

function run(intents: ReadonlyArray<readonly [PodEventIntent, number]>): { table: SeriesTable; kinds: string[] } {
  let table: SeriesTable = new Map();
  const kinds: string[] = [];
  let sequence = 0;
  for (const [intent, now] of intents) {
    const result = observe(table, intent, now, () => `pod.${sequence++}`);
    table = result.table;
    kinds.push(`${result.observation.kind}:${result.observation.series.name}:${result.observation.series.count}`);
  }
  return { table, kinds };
}

test('repeats of the same reason and action count up one series, as client-go aggregates', () => {
  const { kinds, table } = run([[CRASH, 0], [CRASH, 1000], [CRASH, 2000]]);
  assert.deepEqual(kinds, ['new:pod.0:1', 'repeat:pod.0:2', 'repeat:pod.0:3']);
  const series = [...table.values()][0];
  assert.deepEqual([series?.firstTime, series?.lastObservedTime, series?.intent.note], [0, 2000, CRASH.note]);
});

test('a different action is a different Event', () => {
  assert.deepEqual(run([[CRASH, 0], [SIGNAL, 10], [CRASH, 20]]).kinds, ['new:pod.0:1', 'new:pod.1:1', 'repeat:pod.0:2']);
});

test('a series not repeated for six minutes is finished: the next occurrence is a new Event', () => {
  assert.deepEqual(run([[CRASH, 0], [CRASH, SERIES_FINISH_MS - 1], [CRASH, 2 * SERIES_FINISH_MS]]).kinds, ['new:pod.0:1', 'repeat:pod.0:2', 'new:pod.1:1']);
});

test('Event names follow client-go: the pod name and the time in nanoseconds, in hex, unique per sequence', () => {
  assert.equal(eventName('web-0', 1_700_000_000_000, 0), `web-0.${(1_700_000_000_000n * 1_000_000n).toString(16)}`);
  assert.notEqual(eventName('web-0', 5, 1), eventName('web-0', 5, 2));
});
