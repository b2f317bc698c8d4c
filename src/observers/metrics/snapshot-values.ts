import { SUPERVISION_STATES, type SupervisionState } from '../../supervisor/states.ts';
import { serverUptimeMs, type SupervisionSnapshot } from '../../supervisor/supervision.ts';

/** The values of the gauges that describe supervision right now, computed from the one snapshot at scrape time. */
export interface SnapshotValues {
  /** podvisor_server_state: 1 for the current state, 0 for the seven others. */
  readonly state: ReadonlyArray<readonly [SupervisionState, 0 | 1]>;
  /** podvisor_server_up: 1 while a server process exists. */
  readonly up: 0 | 1;
  /** podvisor_server_start_time_seconds: the current server's spawn (during back-off: the last one's); 0 before any. */
  readonly startTimeSeconds: number;
  /** podvisor_server_uptime_seconds: how long the current server has run; 0 while none runs. */
  readonly uptimeSeconds: number;
  /** podvisor_restart_backoff_seconds: the restart delay now pending. */
  readonly backoffSeconds: number;
  /** podvisor_server_sessions: as the kit reported; 0 when unknown. */
  readonly sessions: number;
}

export function snapshotValues(snapshot: SupervisionSnapshot, now: number): SnapshotValues {
  const serverExists = snapshot.pid !== undefined;
  const startedAt = snapshot.serverStartedAt;
  return {
    state: SUPERVISION_STATES.map((state) => [state, state === snapshot.state ? 1 : 0] as const),
    up: serverExists ? 1 : 0,
    startTimeSeconds: startedAt === undefined ? 0 : startedAt / 1000,
    uptimeSeconds: serverUptimeMs(snapshot, now) / 1000,
    backoffSeconds: snapshot.backoffMs / 1000,
    sessions: snapshot.sessions ?? 0,
  };
}
