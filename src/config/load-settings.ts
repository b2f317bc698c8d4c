import { MAX_TIMER_MS } from './durations.ts';
import { SETTINGS, settingsReader, type SettingKey, type Settings } from './settings.ts';

export type SettingsResult =
  | { readonly ok: true; readonly settings: Settings }
  | { readonly ok: false; readonly errors: readonly string[] };

function shown(value: string | undefined): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

/**
 * Reads every setting from the environment, flags overriding it, and reports every bad one at once, each
 * naming the variable, the value and what is accepted (docs/configuration.md).
 */
export function loadSettings(environment: NodeJS.ProcessEnv, flagValues: Readonly<Record<string, string>>): SettingsResult {
  const source: Record<string, string | undefined> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const definition = SETTINGS[key];
    source[definition.env] = flagValues[definition.env] ?? environment[definition.env] ?? definition.defaultFor?.(environment) ?? definition.defaultValue;
  }
  const reader = settingsReader(source);
  const values: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const definition = SETTINGS[key];
    try {
      values[key] = definition.read(reader, definition.env);
    } catch (error) {
      const from = definition.env in flagValues ? ` (from ${definition.flag})` : '';
      const detail = error instanceof Error && !error.message.startsWith('env-var:') ? `: ${error.message}` : '';
      errors.push(`${definition.env}=${shown(source[definition.env])}${from} is not valid${detail}; accepted: ${definition.accepts}`);
    }
  }
  errors.push(...crossChecks(values as Partial<Settings>));
  return errors.length === 0 ? { ok: true, settings: values as Settings } : { ok: false, errors };
}

function crossChecks(settings: Partial<Settings>): string[] {
  const errors: string[] = [];
  const { restartBackoffMaxMs, restartDelayMs } = settings;
  if (restartBackoffMaxMs !== undefined && restartDelayMs !== undefined && restartBackoffMaxMs < restartDelayMs) {
    errors.push(
      `PODVISOR_RESTART_BACKOFF_MAX_MS=${restartBackoffMaxMs} is below PODVISOR_RESTART_DELAY_MS=${restartDelayMs}; accepted: a maximum at least the first delay`,
    );
  }
  const { drainSeconds, killGraceMs } = settings;
  // One timer waits for both: the drain, then the grace before SIGKILL.
  if (drainSeconds !== undefined && killGraceMs !== undefined && drainSeconds * 1000 + killGraceMs > MAX_TIMER_MS) {
    errors.push(
      `PODVISOR_DRAIN_SECONDS=${drainSeconds} plus PODVISOR_KILL_GRACE_MS=${killGraceMs} is longer than ${MAX_TIMER_MS} ms, the longest timer Node keeps; accepted: a drain and grace that add up to at most that`,
    );
  }
  return errors;
}
