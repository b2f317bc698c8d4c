import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { SupervisionState } from './states.ts';

/** How one server's readiness is judged (docs/supervision.md, "Readiness"). */
export interface ReadinessPlan {
  /** `running` as soon as it is spawned (PODVISOR_READINESS=auto: any server not built on the kit). */
  readonly readyAtSpawn: boolean;
  /** The check podvisor polls until it passes; undefined when the kit reports readiness (or none is needed). */
  readonly poll: Extract<ReadinessCheck, { kind: 'tcp' | 'http' }> | undefined;
  /** A server not ready by then is restarted (reason readiness_timeout); undefined: no limit. */
  readonly timeoutMs: number | undefined;
}

export function readinessPlan(check: ReadinessCheck, timeoutMs: number): ReadinessPlan {
  const limit = timeoutMs > 0 ? timeoutMs : undefined;
  switch (check.kind) {
    case 'auto':
      return { readyAtSpawn: true, poll: undefined, timeoutMs: undefined };
    case 'kit':
      return { readyAtSpawn: false, poll: undefined, timeoutMs: limit };
    case 'tcp':
    case 'http':
      return { readyAtSpawn: false, poll: check, timeoutMs: limit };
  }
}

/** The readiness timeout fired: does it still apply? Only to a server still `starting` that nobody asked to stop. */
export function readinessTimedOut(state: SupervisionState, stopRequested: boolean): boolean {
  return state === 'starting' && !stopRequested;
}
