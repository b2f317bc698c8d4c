import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/settings.ts';

export type { Logger };

/**
 * podvisor's own log: pino JSON, one event per line, on stderr, shaped as ownLogFields (src/ipc/log-levels.ts)
 * says. `destination` lets the output path put
 * podvisor's lines between the server's lines, never inside one.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'podvisor',
      level,
      base: { name: 'podvisor', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label, number) => ({ level: number, levelName: label }) },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
