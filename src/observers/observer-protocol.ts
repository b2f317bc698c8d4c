import type { Settings } from '../config/settings.ts';
import type { SupervisionEvent } from '../supervisor/events.ts';
import type { SupervisionSnapshot } from '../supervisor/supervision.ts';

/** The settings the observers read (plain values, copied into the observer thread). */
const OBSERVER_SETTINGS = [
  'logLevel',
  'pidFile',
  'statusIntervalSeconds',
  'httpPort',
  'httpHost',
  'kubernetes',
  'kubernetesShutdownWaitMs',
  'kubernetesServiceAccountDir',
  'restartDelayMs',
  'drainSeconds',
] as const satisfies ReadonlyArray<keyof Settings>;
export type ObserverSettings = Pick<Settings, (typeof OBSERVER_SETTINGS)[number]>;

/** Only what the observers read: the rest of the settings never crosses to the observer thread. */
export function observerSettings(settings: ObserverSettings): ObserverSettings {
  return Object.fromEntries(OBSERVER_SETTINGS.map((key) => [key, settings[key]])) as ObserverSettings;
}

/** What the observer thread is started with (its workerData). */
export interface ObserverSetup {
  readonly settings: ObserverSettings;
  /** podvisor's own log lines go back to the supervision thread (which puts them between the server's lines); else straight to fd 2. */
  readonly linesToSupervisor: boolean;
  /** The snapshot when the thread was started. */
  readonly snapshot: SupervisionSnapshot;
}

/** One supervision event as the observers see it: with the snapshot right after it and when it happened (ms since the epoch). */
export type ObservedEvent = readonly [event: SupervisionEvent, snapshot: SupervisionSnapshot, at: number];

/** From the supervision thread to the observer thread. */
export type ToObservers =
  /** The events of one turn of the supervision thread, in order; `snapshot` is the latest (facts change without an event too). */
  | {
      readonly type: 'events';
      readonly events: readonly ObservedEvent[];
      readonly snapshot: SupervisionSnapshot;
      /** Events left out since the last message: they came faster than the observers took them (observer-link.ts). */
      readonly dropped?: number;
    }
  /** The answer to a `ping`: the supervision thread was free to take it. */
  | { readonly type: 'pong'; readonly id: number }
  /** Flush what must go out (log lines, the last Kubernetes Events, answers under way) and stop; `closed` follows. */
  | { readonly type: 'close' };

/** From the observer thread to the supervision thread. */
export type FromObservers =
  /** podvisor's own log lines (each ending in '\n'), to be written between the server's lines. */
  | { readonly type: 'lines'; readonly text: string }
  /** An observer cannot do its job and podvisor should not run without it (the HTTP port cannot be bound). */
  | { readonly type: 'failure'; readonly message: string }
  /** The Pod was already being deleted at start: a SIGTERM podvisor may not have heard. */
  | { readonly type: 'pod_deletion' }
  /** How long the supervision thread takes to answer, asked at scrape time (podvisor_nodejs_eventloop_lag_seconds). */
  | { readonly type: 'ping'; readonly id: number }
  /** One `events` message has been handled: the supervision thread may send another (flow control). */
  | { readonly type: 'events_done' }
  | { readonly type: 'closed' };
