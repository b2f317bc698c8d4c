import type { OutputStream } from '../output/output-stream.ts';
import type { ServerExit } from '../process/server-exit.ts';
import type { SupervisionState } from './states.ts';

/** Why podvisor starts the server again (the `reason` label of podvisor_server_restarts_total). */
export const RESTART_REASONS = ['exit_code', 'signal', 'fatal_log', 'fatal_error', 'sigint', 'readiness_timeout'] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

/**
 * Everything observers (logs, metrics, HTTP, Kubernetes, pid file) can learn about supervision.
 * The supervisor emits these; observers never change supervision.
 */
export type SupervisionEvent =
  | { readonly type: 'transition'; readonly from: SupervisionState; readonly to: SupervisionState }
  /** `terminal`: the server got podvisor's terminal as its foreground (docs/supervision.md, "On a terminal"). */
  | { readonly type: 'server_spawned'; readonly pid: number; readonly command: readonly string[]; readonly terminal?: boolean }
  | { readonly type: 'server_spawn_failed'; readonly command: readonly string[]; readonly message: string; readonly status: number }
  | { readonly type: 'server_exited'; readonly pid: number; readonly exit: ServerExit; readonly ranForMs: number; readonly stoppedBy?: 'podvisor' }
  | {
      readonly type: 'restart_scheduled';
      readonly reason: RestartReason;
      readonly delayMs: number;
      /** Human-readable cause: "exit code 3", "signal SIGSEGV", the fatal line, … */
      readonly cause: string;
    }
  | { readonly type: 'restart_began' }
  | { readonly type: 'gave_up'; readonly restarts: number; readonly intervalMs: number; readonly exitStatus: number }
  /** Shutdown was asked for by `signal`; the server serves on for `delaySeconds` first (0: stopped at once). */
  | { readonly type: 'shutdown_started'; readonly signal: NodeJS.Signals; readonly delaySeconds?: number }
  /** The Pod was being deleted when podvisor first looked: a SIGTERM it may not have heard is acted on. */
  | { readonly type: 'pod_deletion_seen' }
  /** The shutdown delay ended: it `elapsed`, or was `cut_short` (SIGINT, `podvisor ctl stop --now`, the server's exit). */
  | { readonly type: 'shutdown_delay_finished'; readonly outcome: 'elapsed' | 'cut_short'; readonly seconds: number }
  /** delay + drain + kill grace do not fit the pod's termination grace period (docs/shutdown.md). */
  | { readonly type: 'shutdown_budget_exceeded'; readonly needSeconds: number; readonly graceSeconds: number }
  | { readonly type: 'drain_finished'; readonly outcome: 'drained' | 'killed'; readonly seconds: number }
  /** `withoutFile`: a SIGHUP with no prefs file (PODVISOR_PREFS_FILE unset): nothing was read, autoRestart is the setting's. */
  | { readonly type: 'prefs_reloaded'; readonly autoRestart: boolean; readonly trigger: 'sighup' | 'restart' | 'file_changed'; readonly withoutFile?: true }
  | { readonly type: 'prefs_rejected'; readonly message: string }
  | { readonly type: 'fatal_reported'; readonly source: 'log' | 'kit'; readonly line: string; readonly stream?: OutputStream }
  /** A fatal line was confirmed: the server ended on its own, or its health check failed, or no wait was asked for. */
  | { readonly type: 'fatal_confirmed'; readonly by: 'exit' | 'health_check' | 'no_wait'; readonly line: string }
  /** A fatal line was not confirmed within PODVISOR_FATAL_CONFIRM_SECONDS: the server serves on. */
  | { readonly type: 'fatal_not_confirmed'; readonly line: string; readonly seconds: number }
  /** The server was stopped (SIGSTOP, SIGTSTP: not ready) or continued. */
  | { readonly type: 'server_suspended'; readonly suspended: boolean }
  /** What a server that ended on its own left in its process group was stopped (and, past the deadline, killed). */
  | { readonly type: 'leftovers_ended'; readonly outcome: 'drained' | 'killed'; readonly seconds: number }
  /** Processes podvisor could not end: zombies of a parent that never reaps them, or processes SIGKILL did not end. */
  | { readonly type: 'processes_left'; readonly pids: readonly number[]; readonly where: 'group' | 'escaped' }
  /** Processes that left the server's process group (setsid) and came to podvisor were sent `signal`. */
  | { readonly type: 'escaped_processes_signalled'; readonly pids: readonly number[]; readonly signal: NodeJS.Signals }
  | { readonly type: 'signal_forwarded'; readonly signal: NodeJS.Signals; readonly pid: number }
  | { readonly type: 'orphan_reaped'; readonly pid: number }
  | { readonly type: 'sessions_changed'; readonly count: number }
  /** Lines of a server's kit channel that were not kit messages: dropped (reported at most once a minute). */
  | { readonly type: 'kit_message_dropped'; readonly pid: number; readonly why: string; readonly count: number }
  /** `count` lines of one level (the output path reports the lines of one read together; absent = 1). */
  | { readonly type: 'log_line'; readonly stream: OutputStream; readonly level: string; readonly count?: number }
  | { readonly type: 'supervisor_exiting'; readonly status: number; readonly why: string };

export type SupervisionEventType = SupervisionEvent['type'];

export type EventOf<T extends SupervisionEventType> = Extract<SupervisionEvent, { type: T }>;
