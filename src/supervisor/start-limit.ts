export interface StartLimitSettings {
  /** Restarts allowed within the interval; 0 disables the limit. */
  readonly burst: number;
  readonly intervalMs: number;
}

/** The restart times still inside the interval ending at `now`. */
export function restartsInWindow(settings: StartLimitSettings, restartTimes: readonly number[], now: number): number[] {
  return restartTimes.filter((time) => now - time < settings.intervalMs);
}

/** Whether one more restart at `now` would exceed the limit (systemd's StartLimitBurst in StartLimitIntervalSec). */
export function startLimitReached(settings: StartLimitSettings, restartTimes: readonly number[], now: number): boolean {
  if (settings.burst === 0) return false;
  return restartsInWindow(settings, restartTimes, now).length >= settings.burst;
}

/** The restart times after one more at `now`: only the last burst + 1 can ever matter, so no more are kept. */
export function recordRestart(settings: StartLimitSettings, restartTimes: readonly number[], now: number): number[] {
  return [...restartTimes, now].slice(-(settings.burst + 1));
}
