import type { Settings } from '../config/settings.ts';

/** What a shutdown may take at most, against what the kubelet gives it (docs/shutdown.md, "The grace budget"). */
export interface ShutdownBudget {
  /** Shutdown delay + drain + kill grace, in seconds. */
  readonly needSeconds: number;
  /** The pod's termination grace period as podvisor was told it. */
  readonly graceSeconds: number;
}

/**
 * The budget when it does not fit: the shutdown delay, the drain and the kill grace, one after the other, are
 * longer than the termination grace period (PODVISOR_TERMINATION_GRACE_SECONDS), so the kubelet's SIGKILL would
 * come before podvisor's own deadline. Undefined when it fits or the grace period is not known. Summed in whole
 * milliseconds, so that 5 + 5 + 1 s fits 11 s exactly, whatever binary fractions make of the seconds. Pure.
 */
export function exceededShutdownBudget(
  settings: Pick<Settings, 'shutdownDelaySeconds' | 'drainSeconds' | 'killGraceMs' | 'terminationGraceSeconds'>,
): ShutdownBudget | undefined {
  const { terminationGraceSeconds } = settings;
  if (terminationGraceSeconds === undefined) return undefined;
  const needMs = Math.round(settings.shutdownDelaySeconds * 1000) + Math.round(settings.drainSeconds * 1000) + settings.killGraceMs;
  const graceMs = Math.round(terminationGraceSeconds * 1000);
  if (needMs <= graceMs) return undefined;
  return { needSeconds: needMs / 1000, graceSeconds: terminationGraceSeconds };
}
