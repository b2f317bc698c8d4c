import { keystrokeSignalOfStatus } from '../process/server-exit.ts';
import type { StopCause } from './restart-plan.ts';

/** Signals passed to the server's process group unchanged (docs/supervision.md, "Signals"). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
/** Signals podvisor handles and then ignores (as PID 1, unhandled they would be discarded anyway). */
export const IGNORED_SIGNALS: readonly NodeJS.Signals[] = ['SIGPIPE', 'SIGALRM'];
/** Every signal podvisor installs a handler for. */
export const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGHUP', ...FORWARDED_SIGNALS, ...IGNORED_SIGNALS];

/** Ctrl-C twice quits: a second SIGINT within this long of the first shuts podvisor down, whatever the restart's progress. */
export const SECOND_SIGINT_WINDOW_MS = 3000;

/** What podvisor is doing when a signal arrives, as far as signals care. */
export interface SignalSituation {
  /**
   * `none`; `delaying`: shutdown was asked for and the server serves on for the shutdown delay; `stopping`: the
   * stop signal went out (or no server runs), supervision ends when the server is gone.
   */
  readonly shutdown: 'none' | 'delaying' | 'stopping';
  /** `none`: back-off, or a spawn under way; `asked_to_stop`: podvisor already sent it a stop signal. */
  readonly server: 'none' | 'running' | 'asked_to_stop';
  /** When the last SIGINT came (ms), if one did. */
  readonly lastSigintAt: number | undefined;
  readonly now: number;
  /** A SIGTERM now would leave the server serving for the shutdown delay first (docs/shutdown.md). */
  readonly delayApplies: boolean;
  /** PODVISOR_STOP_SIGNAL; undefined when not set (then SIGTERM, and a SIGQUIT received is passed on as SIGQUIT). */
  readonly stopSignal: NodeJS.Signals | undefined;
  /** PODVISOR_SIGHUP: `forward` (re-read the prefs and pass SIGHUP on) or `reload` (re-read the prefs only). */
  readonly sighup: 'forward' | 'reload';
}

/** One thing the supervisor does for a signal. */
export type SignalAction =
  /**
   * Shutdown begins, asked for by `received` (as it came: SIGTERM, SIGQUIT, or the second SIGINT): the server gets
   * `stopSignal` now, or after the shutdown delay when `delay` (readiness fails at once either way); with no server,
   * supervision ends.
   */
  | { readonly kind: 'shutdown'; readonly received: NodeJS.Signals; readonly stopSignal: NodeJS.Signals; readonly delay: boolean }
  /** The delay is cut short: the stop goes out now. */
  | { readonly kind: 'end_delay' }
  | { readonly kind: 'stop_server'; readonly signal: NodeJS.Signals; readonly cause: StopCause }
  /** No server runs: end the back-off wait now, to start the next server at once or to end supervision. */
  | { readonly kind: 'end_backoff'; readonly then: 'start_now' | 'end' }
  | { readonly kind: 'remember_sigint' }
  | { readonly kind: 'reload_prefs' }
  | { readonly kind: 'forward'; readonly signal: NodeJS.Signals };

/** Keys that make the terminal send a signal to its foreground process group, and the signal each sends. */
export const TERMINAL_KEYSTROKES: Readonly<Partial<Record<NodeJS.Signals, string>>> = { SIGINT: 'Ctrl-C', SIGQUIT: 'Ctrl-\\' };

/** What podvisor knows when it asks whether the server met a keystroke at its terminal. */
export interface KeystrokeFacts {
  /** The server had the terminal's foreground. */
  readonly hadTerminal: boolean;
  /** The server's kit reported receiving this signal (it is still running). */
  readonly reportedSignal?: NodeJS.Signals | undefined;
  /** The server ended: of this signal, or with this exit code. */
  readonly exitSignal?: NodeJS.Signals | null;
  readonly exitCode?: number | null;
  /** The signals podvisor itself sent the server: a SIGINT podvisor passed on is no keystroke. */
  readonly signalsSent: readonly NodeJS.Signals[];
}

/**
 * Whether the server met a keystroke at podvisor's terminal: it had the terminal's foreground and got SIGINT or
 * SIGQUIT that podvisor did not send. The kernel sends Ctrl-C and Ctrl-\ to the foreground group only, so podvisor
 * never receives them itself; what it sees is the server's: a kit that reports the signal as it arrives, a death
 * by the signal, or the shell's status for one (130, 131: a script that traps Ctrl-C and exits so). The keystroke
 * then means what that signal sent to podvisor means (docs/supervision.md, "On a terminal"). Pure.
 */
export function terminalKeystroke(facts: KeystrokeFacts): NodeJS.Signals | undefined {
  if (!facts.hadTerminal) return undefined;
  const signal = facts.reportedSignal ?? facts.exitSignal ?? keystrokeSignalOfStatus(facts.exitCode ?? null);
  if (signal == null || TERMINAL_KEYSTROKES[signal] === undefined || facts.signalsSent.includes(signal)) return undefined;
  return signal;
}

/** The signal that stops the server for a shutdown asked for with `received`. */
export function stopSignalFor(received: NodeJS.Signals, setting: NodeJS.Signals | undefined): NodeJS.Signals {
  if (setting !== undefined) return setting;
  return received === 'SIGQUIT' ? 'SIGQUIT' : 'SIGTERM';
}

/**
 * What each signal means in each situation (docs/supervision.md, "Signals"): the table the supervisor acts on.
 * An empty list: the signal is ignored there (a repeat SIGTERM does not restart the drain's wait).
 */
export function decideSignal(signal: NodeJS.Signals, situation: SignalSituation): readonly SignalAction[] {
  switch (signal) {
    case 'SIGTERM':
    case 'SIGQUIT':
      return shutdown(signal, situation, situation.delayApplies);
    case 'SIGINT':
      return sigint(situation);
    case 'SIGHUP':
      return situation.server === 'none' || situation.sighup === 'reload' ? [{ kind: 'reload_prefs' }] : [{ kind: 'reload_prefs' }, { kind: 'forward', signal }];
    default:
      if (FORWARDED_SIGNALS.includes(signal) && situation.server !== 'none') return [{ kind: 'forward', signal }];
      return [];
  }
}

function sigint(situation: SignalSituation): readonly SignalAction[] {
  // During the shutdown delay, Ctrl-C (or `podvisor ctl stop --now`) means: stop now.
  if (situation.shutdown === 'delaying') return [{ kind: 'end_delay' }];
  if (situation.shutdown === 'stopping') return [];
  const { lastSigintAt, now } = situation;
  // Ctrl-C twice quits, with no shutdown delay: the operator is at the terminal and means it.
  if (lastSigintAt !== undefined && now - lastSigintAt < SECOND_SIGINT_WINDOW_MS) return shutdown('SIGINT', situation, false);
  switch (situation.server) {
    case 'running':
      return [{ kind: 'remember_sigint' }, { kind: 'stop_server', signal: 'SIGINT', cause: { kind: 'restart', reason: 'sigint' } }];
    case 'asked_to_stop':
      return [{ kind: 'remember_sigint' }];
    case 'none':
      return [{ kind: 'remember_sigint' }, { kind: 'end_backoff', then: 'start_now' }];
  }
}

function shutdown(received: NodeJS.Signals, situation: SignalSituation, delay: boolean): readonly SignalAction[] {
  if (situation.shutdown !== 'none') return [];
  const stopSignal = stopSignalFor(received, situation.stopSignal);
  if (situation.server === 'none') return [{ kind: 'shutdown', received, stopSignal, delay: false }, { kind: 'end_backoff', then: 'end' }];
  // The delay is for a server that serves: one podvisor is already stopping (a restart under way) is stopped now.
  return [{ kind: 'shutdown', received, stopSignal, delay: delay && situation.server === 'running' }];
}
