import { quoteLine } from '../../output/quote-line.ts';
import type { RestartReason, SupervisionEvent } from '../../supervisor/events.ts';

/** What podvisor wants said on its Pod: one Kubernetes Event, before aggregation and rate limits. */
export interface PodEventIntent {
  readonly type: 'Normal' | 'Warning';
  /** CamelCase, as Kubernetes' own reasons are; also the `reason` label of podvisor_kubernetes_events_total. */
  readonly reason: PodEventReason;
  /** What podvisor did; with the reason it decides which repeats aggregate into one Event. */
  readonly action: string;
  readonly note: string;
}

export const POD_EVENT_REASONS = [
  'ServerStarted',
  'ServerRestarting',
  'FatalError',
  'FatalLineNotConfirmed',
  'BackOff',
  'GaveUp',
  'ShuttingDown',
  'DrainTimedOut',
  'PrefsReloaded',
  'ShutdownBudgetExceeded',
] as const;
export type PodEventReason = (typeof POD_EVENT_REASONS)[number];

/** The apiserver rejects a longer note (events.k8s.io/v1). */
export const NOTE_LIMIT = 1024;

export interface PodEventContext {
  readonly restartDelayMs: number;
  readonly drainSeconds: number;
}

/** The action of a restart names its cause, so that crashes and fatal lines aggregate separately. */
const RESTART_ACTIONS: Readonly<Record<RestartReason, string>> = {
  exit_code: 'RestartAfterExit',
  signal: 'RestartAfterSignal',
  fatal_log: 'RestartAfterFatalLog',
  fatal_error: 'RestartAfterFatalError',
  sigint: 'RestartOnSigint',
  readiness_timeout: 'RestartAfterReadinessTimeout',
};

/**
 * The Events one supervision event is worth (none for most). Notes stay the same for repeats of the same
 * cause, because an aggregated Event keeps its first note and counts the rest.
 */
export function podEventsFor(event: SupervisionEvent, context: PodEventContext): PodEventIntent[] {
  switch (event.type) {
    case 'server_spawned':
      return [{ type: 'Normal', reason: 'ServerStarted', action: 'Start', note: limitNote(`Started the server: ${event.command.join(' ')}`) }];
    case 'restart_scheduled': {
      const restarting: PodEventIntent = {
        type: 'Warning',
        reason: 'ServerRestarting',
        action: RESTART_ACTIONS[event.reason],
        note: limitNote(event.reason === 'sigint' ? 'Restarting the server: SIGINT asked for a restart' : `Restarting the server after ${quoteLine(event.cause)}`),
      };
      if (event.delayMs <= context.restartDelayMs) return [restarting];
      return [restarting, { type: 'Warning', reason: 'BackOff', action: 'Wait', note: 'Back-off restarting the crashing server: each restart waits longer while it keeps crashing' }];
    }
    case 'fatal_reported': {
      const where = event.source === 'kit' ? 'over the kit channel' : `on ${event.stream === 'combined' ? 'stdout+stderr' : (event.stream ?? 'its output')}`;
      return [{ type: 'Warning', reason: 'FatalError', action: 'Stop', note: limitNote(`The server reported a fatal error ${where}: ${quoteLine(event.line)}`) }];
    }
    case 'fatal_not_confirmed':
      return [
        {
          type: 'Normal',
          reason: 'FatalLineNotConfirmed',
          action: 'KeepServing',
          note: limitNote(`The server kept serving for ${event.seconds.toFixed(1)} s after a fatal line: not restarted: ${quoteLine(event.line)}`),
        },
      ];
    case 'shutdown_budget_exceeded':
      return [
        {
          type: 'Warning',
          reason: 'ShutdownBudgetExceeded',
          action: 'Check',
          note: `Shutdown delay + drain + kill grace = ${event.needSeconds} s do not fit the pod's terminationGracePeriodSeconds (${event.graceSeconds} s): the kubelet would SIGKILL before the drain ends`,
        },
      ];
    case 'gave_up':
      return [{ type: 'Warning', reason: 'GaveUp', action: 'Exit', note: `Start limit reached: more than ${event.restarts} restarts within ${event.intervalMs} ms; podvisor exits ${event.exitStatus}` }];
    case 'shutdown_started': {
      const delay = event.delaySeconds ?? 0;
      const first = delay > 0 ? `not ready now; the server serves on for ${delay} s, then drains` : 'draining the server';
      return [{ type: 'Normal', reason: 'ShuttingDown', action: 'Stop', note: `${event.signal} received: ${first} (at most ${context.drainSeconds} s)` }];
    }
    case 'drain_finished':
      if (event.outcome !== 'killed') return [];
      return [{ type: 'Warning', reason: 'DrainTimedOut', action: 'Kill', note: `The server did not end within the drain deadline: its process group was killed after ${event.seconds.toFixed(1)} s` }];
    case 'prefs_reloaded': {
      // The re-read before every restart is part of restarting; an operator's SIGHUP or an edit of the file is news.
      if (event.trigger === 'restart' || event.withoutFile === true) return [];
      const why = event.trigger === 'sighup' ? 'SIGHUP: prefs reloaded' : 'The prefs file changed';
      return [{ type: 'Normal', reason: 'PrefsReloaded', action: 'Reload', note: `${why} (autoRestart ${event.autoRestart ? 'on' : 'off'})` }];
    }
    default:
      return [];
  }
}

export function limitNote(note: string): string {
  return note.length <= NOTE_LIMIT ? note : `${note.slice(0, NOTE_LIMIT - 1)}…`;
}
