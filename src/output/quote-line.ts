/** The longest server line podvisor quotes in a log line, an Event, a restart cause or /status, in characters. */
export const QUOTED_LINE_LIMIT = 512;

/**
 * `line` as podvisor quotes it: at most `limit` characters (code points, not UTF-16 units), so that a cut never
 * splits a surrogate pair; a longer line is cut to `limit - 1` characters and "…".
 */
export function quoteLine(line: string, limit = QUOTED_LINE_LIMIT): string {
  // Cheap for the usual short line: a string of at most `limit` UTF-16 units has at most `limit` characters.
  if (line.length <= limit) return line;
  const characters = Array.from(line.slice(0, limit * 2));
  if (characters.length <= limit && line.length <= limit * 2) return line;
  return `${characters.slice(0, limit - 1).join('')}…`;
}
