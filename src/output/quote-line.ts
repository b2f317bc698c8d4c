/** The longest server line podvisor quotes in a log line, an Event, a restart cause or /status. */
export const QUOTED_LINE_LIMIT = 512;

/** `line` as podvisor quotes it: cut at `limit` with "…" when longer. */
export function quoteLine(line: string, limit = QUOTED_LINE_LIMIT): string {
  return line.length <= limit ? line : `${line.slice(0, limit)}…`;
}
