import type { PodEventIntent } from './pod-events.ts';

/**
 * Aggregation as client-go's events recorder (tools/events) does it: Events with the same regarding object,
 * reason, action and reporting controller are isomorphic; the first is created, each repeat increments the
 * Event's series (count + lastObservedTime) instead of creating another. A series nobody repeated for
 * SERIES_FINISH_MS is finished: the next repeat starts a new Event.
 */
export const SERIES_FINISH_MS = 6 * 60 * 1000;

export interface EventSeries {
  /** The Event's object name: `<pod>.<hex time>`, as client-go names Events. */
  readonly name: string;
  readonly intent: PodEventIntent;
  readonly firstTime: number;
  /** 1 until repeated; the Event carries a `series` from count 2 on. */
  readonly count: number;
  readonly lastObservedTime: number;
}

export type Observation =
  | { readonly kind: 'new'; readonly series: EventSeries }
  | { readonly kind: 'repeat'; readonly series: EventSeries };

export function seriesKey(intent: PodEventIntent): string {
  return `${intent.reason}\u0000${intent.action}`;
}

/** The series table: a plain map from key to series, replaced on every observation. */
export type SeriesTable = ReadonlyMap<string, EventSeries>;

export function observe(table: SeriesTable, intent: PodEventIntent, now: number, newName: () => string): { readonly table: SeriesTable; readonly observation: Observation } {
  const key = seriesKey(intent);
  const live = finished(table, now);
  const existing = live.get(key);
  const next = new Map(live);
  if (existing !== undefined) {
    const series = { ...existing, count: existing.count + 1, lastObservedTime: now };
    next.set(key, series);
    return { table: next, observation: { kind: 'repeat', series } };
  }
  const series: EventSeries = { name: newName(), intent, firstTime: now, count: 1, lastObservedTime: now };
  next.set(key, series);
  return { table: next, observation: { kind: 'new', series } };
}

/** The table without the series that were not repeated for SERIES_FINISH_MS. */
export function finished(table: SeriesTable, now: number): SeriesTable {
  let stale = false;
  for (const series of table.values()) if (now - series.lastObservedTime >= SERIES_FINISH_MS) stale = true;
  if (!stale) return table;
  return new Map([...table].filter(([, series]) => now - series.lastObservedTime < SERIES_FINISH_MS));
}

/** client-go's naming: the regarding object's name and the time in nanoseconds, in hex. */
export function eventName(podName: string, nowMs: number, sequence: number): string {
  const nanoseconds = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(sequence % 1_000_000);
  return `${podName}.${nanoseconds.toString(16)}`;
}
