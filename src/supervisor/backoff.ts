export interface BackoffSettings {
  /** The first restart's delay (the Darwin Streaming Server's sleep(1), docs/origins.md). */
  readonly restartDelayMs: number;
  readonly backoffMaxMs: number;
  /** A server that ran at least this long resets the delay to restartDelayMs. */
  readonly stableAfterMs: number;
}

/** Spread of the random factor applied to grown delays: ±10 %. The first delay is exact. */
export const BACKOFF_JITTER = 0.1;

/**
 * The delay before the next restart. `streak` counts the restarts since the last stable run
 * (0 for the first restart, or the first after a stable run); the delay doubles per short run, capped, with jitter,
 * and never leaves [restartDelayMs, backoffMaxMs].
 */
export function restartDelay(settings: BackoffSettings, streak: number, random: () => number): number {
  const { restartDelayMs, backoffMaxMs } = settings;
  if (streak === 0 || restartDelayMs === 0) return Math.min(restartDelayMs, backoffMaxMs);
  const grown = Math.min(backoffMaxMs, restartDelayMs * 2 ** Math.min(streak, 30));
  const jittered = grown * (1 + BACKOFF_JITTER * (2 * random() - 1));
  return Math.round(Math.min(backoffMaxMs, Math.max(restartDelayMs, jittered)));
}

/**
 * The streak to price the coming restart with, once a server that ran `ranForMs` has ended: a stable run
 * forgets the earlier short runs. The caller counts the restart itself by storing the result + 1.
 */
export function streakAfterRun(settings: BackoffSettings, streak: number, ranForMs: number): number {
  return ranForMs >= settings.stableAfterMs ? 0 : streak;
}
