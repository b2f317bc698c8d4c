import { EXIT } from '../ipc/exit-codes.ts';
import type { ServerState } from '../ipc/server-states.ts';

/**
 * The server's lifecycle as the Darwin Streaming Server's RunServer() lives it (docs/origins.md), as pure rules: which state accepts sessions,
 * which kills them, what ends the run loop, which state a server may move itself to, and the exit code.
 */

/** The states a server may put itself in with `setState` (fatal_error comes only from a fatal error). */
export const SETTABLE_STATES = ['running', 'refusing_connections', 'idle', 'shutting_down'] as const;
export type SettableState = (typeof SETTABLE_STATES)[number];

/** Only `running` accepts new sessions (the Darwin Streaming Server answers RTSP 503 otherwise). */
export function acceptsSessions(state: ServerState): boolean {
  return state === 'running';
}

/** `idle` kills every session, on entry and at every tick of the run loop. */
export function killsSessions(state: ServerState): boolean {
  return state === 'idle';
}

/** The run loop goes on until the server is shutting down or a fatal error was logged. */
export function endsRunLoop(state: ServerState): boolean {
  return state === 'shutting_down' || state === 'fatal_error';
}

/**
 * The state that follows a server's own request, or undefined when the request does not apply: nothing
 * moves a server out of shutting_down or fatal_error, and a server that has started never starts again.
 */
export function requestedState(current: ServerState, requested: SettableState): ServerState | undefined {
  if (current === requested || endsRunLoop(current)) return undefined;
  return requested;
}

/** Why the server is stopping; every cause that was seen counts, not just the first. */
export interface StopCauses {
  /** start() failed, or a fatal error was logged before start-up finished. */
  readonly startupFailed: boolean;
  /** SIGTERM or SIGQUIT: the operator (or podvisor) ends the server. */
  readonly terminated: boolean;
  /** SIGINT: restart me (the Darwin Streaming Server's SigIntSet → exit(-2)). */
  readonly interrupted: boolean;
  /** A fatal error was logged while running. */
  readonly fatal: boolean;
}

export const NO_STOP_CAUSES: StopCauses = { startupFailed: false, terminated: false, interrupted: false, fatal: false };

/**
 * The Darwin Streaming Server's exit codes: 255 ("can't run, don't try again") when start-up failed; 0 after SIGTERM, even when
 * a SIGINT or fatal drain was under way (the operator is quitting: podvisor's double Ctrl-C sends SIGTERM
 * then); 254 ("restart me") after SIGINT or a fatal error; 0 for a shutdown the server asked for itself.
 */
export function exitCode(causes: StopCauses): typeof EXIT.ok | typeof EXIT.restartMe | typeof EXIT.doNotRetry {
  if (causes.startupFailed) return EXIT.doNotRetry;
  if (causes.terminated) return EXIT.ok;
  if (causes.interrupted || causes.fatal) return EXIT.restartMe;
  return EXIT.ok;
}

/**
 * A non-negative number podvisor passes in the environment (PODVISOR_DRAIN_SECONDS, PODVISOR_KILL_GRACE_MS);
 * `fallback` when it is absent or not such a number (the server may run without podvisor).
 */
export function numberFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : fallback;
}

/** PODVISOR_DRAIN_SECONDS as podvisor passes it (default 5). */
export function drainSecondsFrom(value: string | undefined, fallback = 5): number {
  return numberFrom(value, fallback);
}
