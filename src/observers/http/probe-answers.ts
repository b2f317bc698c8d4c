import { describeExit } from '../../process/server-exit.ts';
import { STATE_NUMBER, type SupervisionState } from '../../supervisor/states.ts';
import { serverReady, serverUptimeMs, type SupervisionSnapshot } from '../../supervisor/supervision.ts';

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

/**
 * /readyz: 200 in `running` (and while a fatal line awaits confirmation); 503 in every other state, and while the
 * server is stopped (SIGSTOP), naming why.
 */
export function readinessAnswer(snapshot: SupervisionSnapshot): ProbeAnswer {
  if (serverReady(snapshot)) return { status: 200, body: snapshot.state === 'running' ? 'ready: running\n' : `ready: ${snapshot.state}, a fatal line awaits confirmation\n` };
  if (snapshot.serverSuspended) return { status: 503, body: `not ready: ${snapshot.state}, the server is stopped (SIGSTOP)\n` };
  return { status: 503, body: `not ready: ${snapshot.state}\n` };
}

/** The JSON document of /status. */
export interface StatusDocument {
  readonly state: SupervisionState;
  readonly stateNumber: number;
  readonly pid: number | null;
  readonly restarts: number;
  /** How the last server ended; `stoppedBy: "podvisor"` when podvisor stopped it (else the server ended on its own). */
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly description: string; readonly stoppedBy?: 'podvisor' } | null;
  /** How long the current server has run; 0 while none runs. */
  readonly uptimeSeconds: number;
  readonly supervisorUptimeSeconds: number;
  readonly backoffSeconds: number;
  /** Present only when the server kit reports sessions. */
  readonly sessions?: number;
  /** True while a fatal line awaits confirmation (docs/output.md). */
  readonly fatalLinePending: boolean;
  /** True while the server is stopped (SIGSTOP, SIGTSTP). */
  readonly suspended: boolean;
  readonly version: string;
}

export function statusDocument(snapshot: SupervisionSnapshot, now: number, version: string): StatusDocument {
  const lastExit = snapshot.lastExit;
  return {
    state: snapshot.state,
    stateNumber: STATE_NUMBER[snapshot.state],
    pid: snapshot.pid ?? null,
    restarts: snapshot.restarts,
    lastExit:
      lastExit === undefined
        ? null
        : { code: lastExit.code, signal: lastExit.signal, description: describeExit(lastExit), ...(lastExit.stoppedBy === undefined ? {} : { stoppedBy: lastExit.stoppedBy }) },
    uptimeSeconds: serverUptimeMs(snapshot, now) / 1000,
    supervisorUptimeSeconds: Math.max(0, now - snapshot.supervisorStartedAt) / 1000,
    backoffSeconds: snapshot.backoffMs / 1000,
    ...(snapshot.sessions === undefined ? {} : { sessions: snapshot.sessions }),
    fatalLinePending: snapshot.fatalLinePending,
    suspended: snapshot.serverSuspended,
    version,
  };
}
