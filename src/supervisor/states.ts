import { SERVER_STATE_NUMBER, SERVER_STATES, type ServerState } from '../ipc/server-states.ts';

/**
 * What /readyz, the state gauge and the Pod annotation show: the server's state (src/ipc/server-states.ts), or
 * one of podvisor's own two phases for the time no server process runs. This file is the one place that says
 * which of these states count as live, up or ready; every observer asks it.
 */
export const SUPERVISOR_PHASES = ['backoff', 'stopped'] as const;
export type SupervisorPhase = (typeof SUPERVISOR_PHASES)[number];

export type SupervisionState = ServerState | SupervisorPhase;

export const SUPERVISION_STATES: readonly SupervisionState[] = [...SERVER_STATES, ...SUPERVISOR_PHASES];

/** The QTSS_ServerState numbers, and the phases after them (backoff 6, stopped 7), as /status shows them in `stateNumber`. */
export const STATE_NUMBER: Readonly<Record<SupervisionState, number>> = { ...SERVER_STATE_NUMBER, backoff: 6, stopped: 7 };

/** A server process exists and podvisor has not asked it to stop: the kit may still move it between these. */
export const LIVE_STATES: readonly SupervisionState[] = ['starting', 'running', 'refusing_connections', 'idle'];

/** States in which a server process exists (live, failing or draining). */
export const SERVER_PROCESS_STATES: readonly SupervisionState[] = [...LIVE_STATES, 'fatal_error', 'shutting_down'];

/** The server is up: it passed its readiness check (or the kit said so) and has not been asked to stop. */
export const UP_STATES: readonly SupervisionState[] = ['running', 'refusing_connections', 'idle'];

export function isLive(state: SupervisionState): boolean {
  return LIVE_STATES.includes(state);
}

export function hasServerProcess(state: SupervisionState): boolean {
  return SERVER_PROCESS_STATES.includes(state);
}

export function isUp(state: SupervisionState): boolean {
  return UP_STATES.includes(state);
}

/** Only `running` accepts new sessions, so only `running` is ready (/readyz 200). */
export function isReady(state: SupervisionState): boolean {
  return state === 'running';
}
