import { LIVE_STATES, type ServerState, type SupervisionState } from './states.ts';

/**
 * What can happen to the supervised server. Every state change of podvisor goes through `nextState`,
 * so this table is the one place that says which event moves which state where (s6-supervise style).
 */
export type StateInput =
  /** podvisor spawned a server process. */
  | { readonly type: 'spawned' }
  /** The readiness check passed (`auto` without the kit: at once; `tcp:`/`http:`: when it answers). */
  | { readonly type: 'ready' }
  /** A server built on the kit reported its own state over IPC. */
  | { readonly type: 'kit_reported'; readonly state: ServerState }
  /** A server built on the kit said hello: from now on its reports are the truth, even `starting`. */
  | { readonly type: 'kit_attached'; readonly state: ServerState }
  /** The server logged a line at or above the fatal threshold. */
  | { readonly type: 'fatal_logged' }
  /** podvisor asks the server to stop: SIGTERM/SIGQUIT, SIGINT (restart in place), readiness timeout. */
  | { readonly type: 'stop_requested' }
  /** The server process ended; `restarting` says whether podvisor will start another one. */
  | { readonly type: 'exited'; readonly restarting: boolean }
  /** Supervision ends while no server runs (SIGTERM during back-off, giving up). */
  | { readonly type: 'supervision_ended' };

const ALIVE: readonly SupervisionState[] = [...LIVE_STATES, 'fatal_error', 'shutting_down'];

function from(states: readonly SupervisionState[], to: SupervisionState): Partial<Record<SupervisionState, SupervisionState>> {
  return Object.fromEntries(states.map((state) => [state, to]));
}

/** The states a kit report may move the server to, from each state (the seed's QTSS_ServerState semantics). */
function kitReport(current: SupervisionState, reported: ServerState): SupervisionState | undefined {
  if (current === reported) return undefined;
  if ((LIVE_STATES as readonly string[]).includes(current)) {
    // A live server may move between starting/running/refusing/idle itself, and may declare a fatal
    // error or start shutting down on its own; it cannot go back to starting once it has run.
    return reported === 'starting' ? undefined : reported;
  }
  // After a fatal error the kit drains before it exits: fatal_error → shutting_down is its next report.
  if (current === 'fatal_error' && reported === 'shutting_down') return reported;
  return undefined;
}

const TABLE: {
  readonly [K in Exclude<StateInput['type'], 'kit_reported' | 'kit_attached'>]: Partial<Record<SupervisionState, SupervisionState>>;
} = {
  spawned: from(['backoff', 'stopped'], 'starting'),
  ready: from(['starting'], 'running'),
  fatal_logged: from(LIVE_STATES, 'fatal_error'),
  stop_requested: from([...LIVE_STATES, 'fatal_error'], 'shutting_down'),
  exited: {},
  supervision_ended: from(['backoff', 'stopped'], 'stopped'),
};

/** The state that follows `input` in `current`, or undefined when the input does not apply there. */
export function nextState(current: SupervisionState, input: StateInput): SupervisionState | undefined {
  switch (input.type) {
    case 'kit_reported':
      return kitReport(current, input.state);
    case 'kit_attached':
      return (LIVE_STATES as readonly string[]).includes(current) && current !== input.state ? input.state : undefined;
    case 'exited':
      return ALIVE.includes(current) ? (input.restarting ? 'backoff' : 'stopped') : undefined;
    default: {
      const to = TABLE[input.type][current];
      return to === current ? undefined : to;
    }
  }
}
