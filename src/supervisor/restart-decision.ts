import type { RestartReason, ServerExit } from './events.ts';
import { exitStatusOf } from './exit-status.ts';

export const RESTART_POLICIES = ['dss', 'always', 'on-failure', 'never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** Why the server was asked to stop, when podvisor asked (undefined: it ended on its own). */
export type StopCause =
  | { readonly kind: 'shutdown'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'restart'; readonly reason: Extract<RestartReason, 'sigint' | 'fatal_log' | 'readiness_timeout'> };

export interface ExitFacts {
  readonly exit: ServerExit;
  readonly policy: RestartPolicy;
  readonly autoRestart: boolean;
  readonly stopCause: StopCause | undefined;
  /** The kit reported a fatal error (or the server went through `fatal_error`) before it exited. */
  readonly fatalErrorReported: boolean;
  /** podvisor had to SIGKILL the process group at the drain deadline. */
  readonly killedAtDeadline: boolean;
}

export type ExitDecision =
  | { readonly action: 'restart'; readonly reason: RestartReason }
  | { readonly action: 'exit'; readonly status: number };

/**
 * What podvisor does after its server ended: SPEC §3's table for `dss` and the other policies, SPEC §4's
 * shutdown statuses, and the prefs file's autoRestart (the seed's RestartServer() re-reading auto_restart).
 */
export function decideAfterExit(facts: ExitFacts): ExitDecision {
  const { exit, policy, stopCause } = facts;
  const serverStatus = exitStatusOf(exit);

  if (stopCause?.kind === 'shutdown') {
    if (facts.killedAtDeadline) return { action: 'exit', status: 137 };
    const diedOfForwardedSignal = exit.signal === stopCause.signal;
    return { action: 'exit', status: exit.code === 0 || diedOfForwardedSignal ? 0 : serverStatus };
  }

  const reason = restartReason(facts);
  if (!facts.autoRestart || policy === 'never') return { action: 'exit', status: serverStatus };

  // A restart podvisor itself asked for (SIGINT, a fatal line, a readiness timeout) or that the kit's fatal
  // error asked for happens whatever the exit status; only `never` and autoRestart=false stop it.
  if (stopCause?.kind === 'restart' || facts.fatalErrorReported) return { action: 'restart', reason };

  const failed = exit.signal !== null || exit.code !== 0;
  switch (policy) {
    case 'always':
      return { action: 'restart', reason };
    case 'on-failure':
      return failed ? { action: 'restart', reason } : { action: 'exit', status: 0 };
    case 'dss':
      if (exit.signal !== null) return { action: 'restart', reason };
      if (exit.code === 0) return { action: 'exit', status: 0 };
      if (exit.code === 255) return { action: 'exit', status: 255 };
      return { action: 'restart', reason };
  }
}

function restartReason(facts: ExitFacts): RestartReason {
  if (facts.stopCause?.kind === 'restart') return facts.stopCause.reason;
  if (facts.fatalErrorReported) return 'fatal_error';
  return facts.exit.signal !== null ? 'signal' : 'exit_code';
}
