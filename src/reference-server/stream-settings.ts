/** The reference streaming server's settings, from its environment (docs/kit.md). */
export interface StreamSettings {
  /** STREAM_PORT, default 8080 (0: any free port). */
  readonly port: number;
  /** STREAM_HOST, default 0.0.0.0. */
  readonly host: string;
  /** STREAM_FRAME_INTERVAL_MS, default 500: how often every open stream gets a frame. */
  readonly frameIntervalMs: number;
  /** STREAM_RETRY_AFTER_SECONDS, default 5: the Retry-After of a 503. */
  readonly retryAfterSeconds: number;
  /** STREAM_FRAME_PAYLOAD_BYTES, default 0: filler carried by every frame, to stand in for media data. */
  readonly payloadBytes: number;
}

export type StreamSettingsResult = { readonly ok: true; readonly settings: StreamSettings } | { readonly ok: false; readonly errors: readonly string[] };

/** Reads every setting and reports every bad one at once, naming the variable, the value and what is accepted. */
export function readStreamSettings(environment: NodeJS.ProcessEnv): StreamSettingsResult {
  const errors: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = environment[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      errors.push(`${name}=${JSON.stringify(raw)}: accepted is a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const port = integer('STREAM_PORT', 8080, 0, 65535);
  const frameIntervalMs = integer('STREAM_FRAME_INTERVAL_MS', 500, 1, 3_600_000);
  const retryAfterSeconds = integer('STREAM_RETRY_AFTER_SECONDS', 5, 0, 86_400);
  const payloadBytes = integer('STREAM_FRAME_PAYLOAD_BYTES', 0, 0, 1_048_576);
  const rawHost = environment['STREAM_HOST'];
  const host = rawHost === undefined || rawHost.trim() === '' ? '0.0.0.0' : rawHost.trim();
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: { port, host, frameIntervalMs, retryAfterSeconds, payloadBytes } };
}
