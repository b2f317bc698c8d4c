import type { RestartPolicy } from '../config/restart-policy.ts';
import type { Settings } from '../config/settings.ts';
import { EXIT, killedBySignalStatus } from '../ipc/exit-codes.ts';
import { describeExit, exitStatusOf, keystrokeSignalOfStatus, type ServerExit } from '../process/server-exit.ts';
import { quoteLine } from '../output/quote-line.ts';
import { restartDelay, streakAfterRun, type BackoffSettings } from './backoff.ts';
import type { RestartReason } from './events.ts';
import { recordRestart, startLimitReached, type StartLimitSettings } from './start-limit.ts';

/** Why podvisor asked the server to stop (undefined in the facts: it ended on its own). */
export type StopCause =
  | { readonly kind: 'shutdown'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'restart'; readonly reason: Extract<RestartReason, 'sigint' | 'fatal_log' | 'readiness_timeout'> };

export interface ExitFacts {
  readonly exit: ServerExit;
  readonly policy: RestartPolicy;
  readonly autoRestart: boolean;
  /** Why podvisor asked this server to stop, if it did. */
  readonly stopCause: StopCause | undefined;
  /** Shutdown was requested (SIGTERM, SIGQUIT, Ctrl-C twice): it outranks any restart podvisor had asked for. */
  readonly shutdownSignal?: NodeJS.Signals | undefined;
  /** The kit reported a fatal error (or the server went through `fatal_error`) before it exited. */
  readonly fatalErrorReported: boolean;
  /** It ended on its own while one of its fatal lines awaited confirmation: that confirms it (reason fatal_log). */
  readonly fatalLinePending?: boolean;
  /** The server itself was still alive at the drain deadline and was SIGKILLed. */
  readonly killedAtDeadline: boolean;
  /** The signals podvisor sent this server to stop it (SIGINT for a restart, the stop signal), in order. */
  readonly signalsSent?: readonly NodeJS.Signals[];
  /** It died of a Ctrl-C or Ctrl-\ at podvisor's terminal (signal-decision.ts, terminalKeystroke): the operator's stop. */
  readonly keystroke?: NodeJS.Signals | undefined;
}

export type ExitDecision =
  | { readonly action: 'restart'; readonly reason: RestartReason }
  | { readonly action: 'exit'; readonly status: number };

/** A shutdown outranks a restart podvisor had asked for; nothing outranks a shutdown. */
export function effectiveStopCause(facts: Pick<ExitFacts, 'stopCause' | 'shutdownSignal'>): StopCause | undefined {
  return facts.shutdownSignal !== undefined ? { kind: 'shutdown', signal: facts.shutdownSignal } : facts.stopCause;
}

/**
 * What podvisor does after its server ended (docs/supervision.md): the exit-code protocol of policy `dss`, the
 * other policies, the statuses of a shutdown, and the prefs file's autoRestart.
 */
export function decideAfterExit(facts: ExitFacts): ExitDecision {
  const { exit, policy } = facts;
  const stopCause = effectiveStopCause(facts);
  const serverStatus = exitStatusOf(exit);

  if (stopCause?.kind === 'shutdown') {
    if (facts.killedAtDeadline) return { action: 'exit', status: killedBySignalStatus(9) };
    const stopsAsked = [...(facts.signalsSent ?? []), stopCause.signal, ...(facts.keystroke === undefined ? [] : [facts.keystroke])];
    return { action: 'exit', status: answeredStop(exit, stopsAsked) ? EXIT.ok : serverStatus };
  }

  const reason = restartReason(facts, stopCause);
  if (!facts.autoRestart || policy === 'never') return { action: 'exit', status: serverStatus };

  // A restart podvisor itself asked for (SIGINT, a fatal line, a readiness timeout) or that the kit's fatal
  // error asked for happens whatever the exit status; only `never` and autoRestart=false stop it.
  if (stopCause?.kind === 'restart' || facts.fatalErrorReported) return { action: 'restart', reason };

  const failed = exit.signal !== null || exit.code !== EXIT.ok;
  switch (policy) {
    case 'always':
      return { action: 'restart', reason };
    case 'on-failure':
      return failed ? { action: 'restart', reason } : { action: 'exit', status: EXIT.ok };
    case 'dss':
      if (exit.signal !== null) return { action: 'restart', reason };
      if (exit.code === EXIT.ok) return { action: 'exit', status: EXIT.ok };
      if (exit.code === EXIT.doNotRetry) return { action: 'exit', status: EXIT.doNotRetry };
      return { action: 'restart', reason };
  }
}

/**
 * Whether an exit is the server's answer to a stop podvisor sent (or a keystroke): it exited 0, or died of a signal
 * sent it, or exited with the shell's status for one (130 after SIGINT, 131 after SIGQUIT), or exited 254
 * ("restart me", docs/origins.md) after a SIGINT. A shutdown then ends with 0 whatever the order of the signals
 * (SIGTERM after SIGINT ends as SIGTERM alone would).
 */
export function answeredStop(exit: ServerExit, signalsSent: readonly NodeJS.Signals[]): boolean {
  if (exit.code === EXIT.ok) return true;
  if (exit.signal !== null) return signalsSent.includes(exit.signal);
  const reported = keystrokeSignalOfStatus(exit.code);
  if (reported !== undefined && signalsSent.includes(reported)) return true;
  return exit.code === EXIT.restartMe && signalsSent.includes('SIGINT');
}

function restartReason(facts: ExitFacts, stopCause: StopCause | undefined): RestartReason {
  if (stopCause?.kind === 'restart') return stopCause.reason;
  if (facts.fatalErrorReported) return 'fatal_error';
  if (facts.fatalLinePending === true) return 'fatal_log';
  return facts.exit.signal !== null ? 'signal' : 'exit_code';
}

/** What earlier restarts leave behind for the next one's price: when they happened, and the short-run streak. */
export interface RestartHistory {
  /** When the restarts the start limit counts happened (ms), oldest first; at most burst + 1 are kept. */
  readonly restartTimes: readonly number[];
  /** Restarts since the last stable run (prices the back-off). */
  readonly streak: number;
}

export const NO_RESTARTS: RestartHistory = { restartTimes: [], streak: 0 };

export type RestartSettings = BackoffSettings & { readonly startLimit: StartLimitSettings };

/** The restart settings out of podvisor's settings. */
export function restartSettingsOf(settings: Pick<Settings, 'restartDelayMs' | 'restartBackoffMaxMs' | 'stableAfterMs' | 'startLimitBurst' | 'startLimitIntervalMs'>): RestartSettings {
  return {
    restartDelayMs: settings.restartDelayMs,
    backoffMaxMs: settings.restartBackoffMaxMs,
    stableAfterMs: settings.stableAfterMs,
    startLimit: { burst: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs },
  };
}

export type RestartPlan =
  | { readonly action: 'exit'; readonly status: number; readonly why: string }
  | { readonly action: 'give_up'; readonly status: number; readonly why: string }
  | {
      readonly action: 'restart';
      readonly reason: RestartReason;
      /** Delay before the next start, counted from the exit (ms). */
      readonly delayMs: number;
      /** For people: "exit code 3", "fatal_log (signal SIGTERM): <the line>". */
      readonly cause: string;
      readonly history: RestartHistory;
    };

export interface RestartInput {
  readonly facts: ExitFacts;
  /** The line that made the error-log rule fire, when it did. */
  readonly fatalLine: string | undefined;
  readonly ranForMs: number;
  readonly now: number;
  readonly history: RestartHistory;
  readonly settings: RestartSettings;
  /** A draw in [0, 1) for the back-off's jitter. */
  readonly random: () => number;
}

/**
 * The whole answer to "the server ended: what now?": exit (with which status), give up (the start limit), or
 * restart after which delay. A restart the operator asked for with SIGINT is exempt from the start limit and
 * from back-off: it happens at once and is not counted.
 */
export function planAfterExit(input: RestartInput): RestartPlan {
  const { facts, settings, now } = input;
  const decision = decideAfterExit(facts);
  if (decision.action === 'exit') return { action: 'exit', status: decision.status, why: `the server ended (${describeExit(facts.exit)})` };

  const operatorAsked = decision.reason === 'sigint';
  if (!operatorAsked && startLimitReached(settings.startLimit, input.history.restartTimes, now)) {
    return {
      action: 'give_up',
      status: EXIT.gaveUp,
      why: `gave up: more than ${settings.startLimit.burst} restarts within ${settings.startLimit.intervalMs} ms`,
    };
  }
  let delayMs = 0;
  let history = input.history;
  if (!operatorAsked) {
    const streak = streakAfterRun(settings, history.streak, input.ranForMs);
    delayMs = restartDelay(settings, streak, input.random);
    history = { restartTimes: recordRestart(settings.startLimit, history.restartTimes, now), streak: streak + 1 };
  }
  return { action: 'restart', reason: decision.reason, delayMs, cause: restartCause(facts, input.fatalLine), history };
}

/**
 * How the server ended, saying whose doing it was: "exit code 1" (its own), "signal SIGTERM, sent by podvisor",
 * "exit code 0, after podvisor's SIGTERM", "signal SIGKILL, at the drain deadline".
 */
export function describeEnd(facts: Pick<ExitFacts, 'exit' | 'signalsSent' | 'killedAtDeadline'>): string {
  const { exit } = facts;
  const sent = facts.signalsSent ?? [];
  if (facts.killedAtDeadline && exit.signal === 'SIGKILL') return 'signal SIGKILL, at the drain deadline';
  if (exit.signal !== null && sent.includes(exit.signal)) return `signal ${exit.signal}, sent by podvisor`;
  if (sent.length > 0) return `${describeExit(exit)}, after podvisor's ${sent.at(-1) ?? 'signal'}`;
  return describeExit(exit);
}

/** The cause a restart is logged and recorded with. */
export function restartCause(facts: Pick<ExitFacts, 'exit' | 'stopCause' | 'fatalLinePending' | 'signalsSent' | 'killedAtDeadline'>, fatalLine: string | undefined): string {
  const end = describeEnd(facts);
  const { stopCause } = facts;
  const reason = stopCause?.kind === 'restart' ? stopCause.reason : facts.fatalLinePending === true ? 'fatal_log' : undefined;
  if (reason === undefined || reason === 'sigint') return end;
  const cause = `${reason} (${end})`;
  return reason === 'fatal_log' && fatalLine !== undefined ? `${cause}: ${quoteLine(fatalLine)}` : cause;
}

/**
 * The prefs file is read again when the back-off ends (the operator may have turned autoRestart off meanwhile):
 * off means podvisor exits with the server's own status instead of starting it again.
 */
export function planAfterBackoff(autoRestart: boolean, exit: ServerExit): { readonly action: 'start' } | { readonly action: 'exit'; readonly status: number; readonly why: string } {
  return autoRestart ? { action: 'start' } : { action: 'exit', status: exitStatusOf(exit), why: 'autoRestart is off in the prefs file' };
}
