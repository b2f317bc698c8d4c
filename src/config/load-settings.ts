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
  const values: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const result = readSetting(key, environment, flagValues);
    if (result.ok) values[key] = result.value;
    else errors.push(result.message);
  }
  errors.push(...crossChecks(values as Partial<Settings>));
  return errors.length === 0 ? { ok: true, settings: values as Settings } : { ok: false, errors };
}

/**
 * One setting, read as loadSettings reads it (the flag, else the environment, else the default), for a caller that
 * needs only a few and must not fail on the others (`podvisor ctl` reading a running podvisor's port).
 */
export function readSetting<K extends SettingKey>(
  key: K,
  environment: NodeJS.ProcessEnv,
  flagValues: Readonly<Record<string, string>>,
): { readonly ok: true; readonly value: Settings[K] } | { readonly ok: false; readonly message: string } {
  const definition = SETTINGS[key];
  const text = flagValues[definition.env] ?? environment[definition.env] ?? definition.defaultFor?.(environment) ?? definition.defaultValue;
  try {
    return { ok: true, value: definition.read(settingsReader({ [definition.env]: text }), definition.env) as Settings[K] };
  } catch (error) {
    const from = definition.env in flagValues ? ` (from ${definition.flag})` : '';
    const detail = error instanceof Error && !error.message.startsWith('env-var:') ? `: ${error.message}` : '';
    return { ok: false, message: `${definition.env}=${shown(text)}${from} is not valid${detail}; accepted: ${definition.accepts}` };
  }
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
