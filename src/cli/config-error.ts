import { ownLogLine } from '../ipc/log-levels.ts';

/**
 * Reports bad configuration as one of podvisor's JSON log lines on stderr naming every bad setting, without
 * loading pino (nothing else is started).
 */
export function reportConfigurationErrors(errors: readonly string[]): void {
  process.stderr.write(ownLogLine('fatal', `bad configuration, nothing started: ${errors.join('; ')}`, { errors }));
}
