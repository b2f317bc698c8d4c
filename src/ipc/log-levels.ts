/**
 * pino's numeric levels (bunyan's too): the scale of podvisor's own log lines, of the kit's pino hook, and of
 * the JSON lines podvisor reads from a server (docs/output.md).
 */
export const PINO_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type PinoLevelName = keyof typeof PINO_LEVELS;

/** The fields every one of podvisor's own log lines starts with (docs/configuration.md, "podvisor's own log"). */
export function ownLogFields(level: PinoLevelName, now: Date = new Date()): { readonly level: number; readonly levelName: PinoLevelName; readonly time: string; readonly name: 'podvisor'; readonly pid: number } {
  return { level: PINO_LEVELS[level], levelName: level, time: now.toISOString(), name: 'podvisor', pid: process.pid };
}

/**
 * One of podvisor's own log lines, shaped as its pino logger writes them, for the moments before (or without)
 * the logger: bad configuration, a failure of supervision itself.
 */
export function ownLogLine(level: PinoLevelName, message: string, fields: Readonly<Record<string, unknown>> = {}): string {
  return `${JSON.stringify({ ...ownLogFields(level), ...fields, msg: message })}\n`;
}
