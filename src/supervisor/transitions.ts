import type { ServerState } from '../ipc/server-states.ts';
import { hasServerProcess, isLive, LIVE_STATES, type SupervisionState } from './states.ts';

/**
 * What can happen to the supervised server. Every change of the state that /readyz, the gauge and the Pod's
 * annotation show goes through `nextState`: this table is the one place that says which input moves which
 * state where (s6-supervise style). docs/architecture.md draws it.
 */
export type StateInput =
  /** podvisor spawned a server process. */
  | { readonly type: 'spawned' }
  /** The readiness check passed (`auto` without the kit: at once; `tcp:`/`http:`: when it answers). */
  | { readonly type: 'ready' }
  /** A server built on the kit reported its own state. */
  | { readonly type: 'kit_reported'; readonly state: ServerState }
  /** A server built on the kit said hello: from now on its reports are the truth, even `starting`. */
  | { readonly type: 'kit_attached'; readonly state: ServerState }
  /** The server logged a line at or above the fatal threshold. */
  | { readonly type: 'fatal_logged' }
  /** That line was not confirmed: the server serves on, in the state it had before the line. */
  | { readonly type: 'fatal_dismissed'; readonly state: SupervisionState }
  /** podvisor asks the server to stop: SIGTERM/SIGQUIT, SIGINT (restart in place), readiness timeout. */
  | { readonly type: 'stop_requested' }
  /** The server process ended; `restarting` says whether podvisor will start another one. */
  | { readonly type: 'exited'; readonly restarting: boolean }
  /** Supervision ends while no server runs (SIGTERM during back-off, giving up). */
  | { readonly type: 'supervision_ended' };

type Rule<I extends StateInput> = (current: SupervisionState, input: I) => SupervisionState | undefined;

const only =
  (from: (state: SupervisionState) => boolean, to: SupervisionState): Rule<StateInput> =>
  (current) => (from(current) ? to : undefined);

const among = (states: readonly SupervisionState[]) => (state: SupervisionState) => states.includes(state);

/** One rule per input: the state it leads to from `current`, or undefined where it does not apply. */
const RULES: { readonly [T in StateInput['type']]: Rule<Extract<StateInput, { type: T }>> } = {
  spawned: only(among(['backoff', 'stopped']), 'starting'),
  ready: only(among(['starting']), 'running'),
  // A live server moves between starting/running/refusing/idle itself and may declare a fatal error or start
  // shutting down on its own; it never goes back to starting once it has run. Nothing moves it out of
  // fatal_error or shutting_down: the kit's own rules (src/server/lifecycle.ts) forbid it too.
  kit_reported: (current, input) => (isLive(current) && input.state !== 'starting' ? input.state : undefined),
  // The hello of a kit server replaces podvisor's assumption (auto readiness: running at spawn), even by starting.
  kit_attached: (current, input) => (isLive(current) ? input.state : undefined),
  fatal_logged: only(isLive, 'fatal_error'),
  fatal_dismissed: (current, input) => (current === 'fatal_error' && isLive(input.state) ? input.state : undefined),
  stop_requested: only(among([...LIVE_STATES, 'fatal_error']), 'shutting_down'),
  exited: (current, input) => (hasServerProcess(current) ? (input.restarting ? 'backoff' : 'stopped') : undefined),
  supervision_ended: only(among(['backoff', 'stopped']), 'stopped'),
};

/** The state that follows `input` in `current`, or undefined when the input does not apply there (or changes nothing). */
export function nextState(current: SupervisionState, input: StateInput): SupervisionState | undefined {
  const rule = RULES[input.type] as Rule<StateInput>;
  const to = rule(current, input);
  return to === current ? undefined : to;
}
