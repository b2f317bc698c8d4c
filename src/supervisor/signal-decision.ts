import type { StopCause } from './restart-plan.ts';

/** Signals passed to the server's process group unchanged (docs/supervision.md, "Signals"). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
/** Signals podvisor handles and then ignores (as PID 1, unhandled they would be discarded anyway). */
export const IGNORED_SIGNALS: readonly NodeJS.Signals[] = ['SIGPIPE', 'SIGALRM'];
/** Every signal podvisor installs a handler for. */
export const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGHUP', ...FORWARDED_SIGNALS, ...IGNORED_SIGNALS];

/** What podvisor is doing when a signal arrives, as far as signals care. */
export interface SignalSituation {
  /** Shutdown was requested: supervision ends when the server is gone. */
  readonly shuttingDown: boolean;
  /** From a SIGINT until the server it restarts is running again. */
  readonly sigintRestartUnderWay: boolean;
  /** `none`: back-off, or a spawn under way; `asked_to_stop`: podvisor already sent it a stop signal. */
  readonly server: 'none' | 'running' | 'asked_to_stop';
}

/** One thing the supervisor does for a signal. */
export type SignalAction =
  /** Shutdown begins: the stop signal goes to the server (or, with none, supervision ends). */
  | { readonly kind: 'begin_shutdown'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'stop_server'; readonly signal: NodeJS.Signals; readonly cause: StopCause }
  /** No server runs: end the back-off wait now, to start the next server at once or to end supervision. */
  | { readonly kind: 'end_backoff'; readonly then: 'start_now' | 'end' }
  | { readonly kind: 'mark_sigint_restart' }
  | { readonly kind: 'reload_prefs' }
  | { readonly kind: 'forward'; readonly signal: NodeJS.Signals };

/**
 * What each signal means in each situation (docs/supervision.md, "Signals"): the table the supervisor acts on.
 * An empty list: the signal is ignored there (a repeat SIGTERM does not restart the drain's wait).
 */
export function decideSignal(signal: NodeJS.Signals, situation: SignalSituation): readonly SignalAction[] {
  switch (signal) {
    case 'SIGTERM':
    case 'SIGQUIT':
      return shutdown(signal, situation);
    case 'SIGINT':
      if (situation.shuttingDown) return [];
      // Ctrl-C twice quits: a second SIGINT while the first one's restart is under way shuts down as SIGTERM does.
      if (situation.sigintRestartUnderWay) return shutdown('SIGTERM', situation);
      switch (situation.server) {
        case 'running':
          return [{ kind: 'mark_sigint_restart' }, { kind: 'stop_server', signal: 'SIGINT', cause: { kind: 'restart', reason: 'sigint' } }];
        case 'asked_to_stop':
          return [{ kind: 'mark_sigint_restart' }];
        case 'none':
          return [{ kind: 'mark_sigint_restart' }, { kind: 'end_backoff', then: 'start_now' }];
      }
      return [];
    case 'SIGHUP':
      return situation.server === 'none' ? [{ kind: 'reload_prefs' }] : [{ kind: 'reload_prefs' }, { kind: 'forward', signal }];
    default:
      if (FORWARDED_SIGNALS.includes(signal) && situation.server !== 'none') return [{ kind: 'forward', signal }];
      return [];
  }
}

function shutdown(signal: NodeJS.Signals, situation: SignalSituation): readonly SignalAction[] {
  if (situation.shuttingDown) return [];
  const begin: SignalAction = { kind: 'begin_shutdown', signal };
  if (situation.server === 'none') return [begin, { kind: 'end_backoff', then: 'end' }];
  // The signal goes to the server before the observers hear that shutdown began: they cannot delay it.
  return [{ kind: 'stop_server', signal, cause: { kind: 'shutdown', signal } }, begin];
}
