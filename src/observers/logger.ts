import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/settings.ts';

export type { Logger };

/**
 * podvisor's own log: pino JSON, one event per line, on stderr, shaped as ownLogFields (src/ipc/log-levels.ts)
 * says. `destination` lets the output path put podvisor's lines between the server's lines, never inside one.
 * `now` is the time a line is stamped with: the observer thread stamps a supervision event's line with when the
 * event happened on the supervision thread, not when it was formatted.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, now: () => number = Date.now): Logger {
  return pino(
    {
      name: 'podvisor',
      level,
      base: { name: 'podvisor', pid: process.pid },
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label, number) => ({ level: number, levelName: label }) },
    },
    destination ?? tolerantDestination(pino.destination({ fd: 2, sync: true })),
  );
}

/**
 * podvisor's stderr, where a write that fails (a full disk, a terminal that hung up, EPIPE) loses that line and
 * nothing else: it must not make the logging observer fail, nor anything after it.
 */
function tolerantDestination(destination: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      try {
        destination.write(line);
      } catch {
        // Lost: podvisor's stderr refuses it, and there is nowhere else to say so.
      }
    },
  };
}
