import { describeExit } from '../../process/server-exit.ts';
import { isReady, STATE_NUMBER, type SupervisionState } from '../../supervisor/states.ts';
import { serverUptimeMs, type SupervisionSnapshot } from '../../supervisor/supervision.ts';

export interface ProbeAnswer {
  readonly status: 200 | 503;
  readonly body: string;
}

/**
 * /healthz: 200 while the supervision loop is alive, which includes back-off and the drain; 503 once supervision
 * has ended (`stopped` after a server ended). `stopped` before any server ran is the instant before the first spawn.
 */
export function healthAnswer(snapshot: SupervisionSnapshot): ProbeAnswer {
  const ended = snapshot.state === 'stopped' && snapshot.lastExit !== undefined;
  return ended ? { status: 503, body: 'supervision ended: stopped\n' } : { status: 200, body: `ok: ${snapshot.state}\n` };
}

/** /readyz: 200 only in `running`; 503 in every other state, naming it. */
export function readinessAnswer(snapshot: SupervisionSnapshot): ProbeAnswer {
  return isReady(snapshot.state) ? { status: 200, body: 'ready: running\n' } : { status: 503, body: `not ready: ${snapshot.state}\n` };
}

/** The JSON document of /status. */
export interface StatusDocument {
  readonly state: SupervisionState;
  readonly stateNumber: number;
  readonly pid: number | null;
  readonly restarts: number;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly description: string } | null;
  /** How long the current server has run; 0 while none runs. */
  readonly uptimeSeconds: number;
  readonly supervisorUptimeSeconds: number;
  readonly backoffSeconds: number;
  /** Present only when the server kit reports sessions. */
  readonly sessions?: number;
  readonly version: string;
}

export function statusDocument(snapshot: SupervisionSnapshot, now: number, version: string): StatusDocument {
  const lastExit = snapshot.lastExit;
  return {
    state: snapshot.state,
    stateNumber: STATE_NUMBER[snapshot.state],
    pid: snapshot.pid ?? null,
    restarts: snapshot.restarts,
    lastExit: lastExit === undefined ? null : { code: lastExit.code, signal: lastExit.signal, description: describeExit(lastExit) },
    uptimeSeconds: serverUptimeMs(snapshot, now) / 1000,
    supervisorUptimeSeconds: Math.max(0, now - snapshot.supervisorStartedAt) / 1000,
    backoffSeconds: snapshot.backoffMs / 1000,
    ...(snapshot.sessions === undefined ? {} : { sessions: snapshot.sessions }),
    version,
  };
}
