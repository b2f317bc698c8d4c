/**
 * The server's states, by the Darwin Streaming Server's QTSS_ServerState names and numbers (docs/origins.md).
 * This is the vocabulary of the protocol between podvisor and a server built on the kit: the kit reports these
 * states, podvisor shows them. podvisor's own phases (back-off, stopped) are added in src/supervisor/states.ts.
 */
export const SERVER_STATES = ['starting', 'running', 'refusing_connections', 'fatal_error', 'shutting_down', 'idle'] as const;

export type ServerState = (typeof SERVER_STATES)[number];

/** QTSS_ServerState numbers: qtssStartingUpState = 0 … qtssIdleState = 5. */
export const SERVER_STATE_NUMBER: Readonly<Record<ServerState, number>> = {
  starting: 0,
  running: 1,
  refusing_connections: 2,
  fatal_error: 3,
  shutting_down: 4,
  idle: 5,
};

export function isServerState(value: unknown): value is ServerState {
  return typeof value === 'string' && (SERVER_STATES as readonly string[]).includes(value);
}
