/**
 * The server's states, kept by the seed's QTSS_ServerState names and numbers, and podvisor's own two phases
 * for the time no server runs. Metrics label the one-hot state gauge with every name in SUPERVISION_STATES.
 */
export const SERVER_STATES = [
  'starting',
  'running',
  'refusing_connections',
  'fatal_error',
  'shutting_down',
  'idle',
] as const;

export type ServerState = (typeof SERVER_STATES)[number];

export const SUPERVISOR_PHASES = ['backoff', 'stopped'] as const;

export type SupervisorPhase = (typeof SUPERVISOR_PHASES)[number];

export type SupervisionState = ServerState | SupervisorPhase;

export const SUPERVISION_STATES: readonly SupervisionState[] = [...SERVER_STATES, ...SUPERVISOR_PHASES];

/** QTSS_ServerState numbers (qtssStartingUpState = 0 … qtssIdleState = 5); the phases follow them. */
export const STATE_NUMBER: Readonly<Record<SupervisionState, number>> = {
  starting: 0,
  running: 1,
  refusing_connections: 2,
  fatal_error: 3,
  shutting_down: 4,
  idle: 5,
  backoff: 6,
  stopped: 7,
};

/** States in which a server process exists and has not been asked to stop. */
export const LIVE_STATES: readonly SupervisionState[] = ['starting', 'running', 'refusing_connections', 'idle'];

export function isServerState(value: unknown): value is ServerState {
  return typeof value === 'string' && (SERVER_STATES as readonly string[]).includes(value);
}
