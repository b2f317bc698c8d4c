/**
 * The stream's line format: one JSON object per line (NDJSON), `\n`-terminated.
 *   {"channel":"news","sequence":0,"time":"2026-11-26T00:00:00.000Z"}
 * The last frame of a stream that ends on shutdown carries `"final":true` and the reason (the server state).
 * With STREAM_FRAME_PAYLOAD_BYTES, every frame also carries `"payload":"xxx…"` standing in for media data.
 */
export interface Frame {
  readonly channel: string;
  /** Frames this stream has received before this one (a slow reader skips frames instead of buffering them). */
  readonly sequence: number;
  readonly time: string;
  readonly final?: true;
  readonly reason?: string;
  readonly payload?: string;
}

export function frameLine(channel: string, sequence: number, time: string, payload = ''): string {
  const filler = payload === '' ? '' : `,"payload":"${payload}"`;
  return `{"channel":${JSON.stringify(channel)},"sequence":${sequence},"time":"${time}"${filler}}\n`;
}

export function finalFrameLine(channel: string, sequence: number, time: string, reason: string): string {
  return `{"channel":${JSON.stringify(channel)},"sequence":${sequence},"time":"${time}","final":true,"reason":${JSON.stringify(reason)}}\n`;
}

/** Channel names: letters, digits, `.`, `_`, `-`, at most 64. */
const CHANNEL_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The channel of a `/live/<channel>` path, or undefined for any other path. */
export function channelOf(path: string): string | undefined {
  if (!path.startsWith('/live/')) return undefined;
  const name = path.slice('/live/'.length);
  return CHANNEL_NAME.test(name) ? name : undefined;
}
