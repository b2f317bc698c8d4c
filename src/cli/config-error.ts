/**
 * Reports bad configuration as one pino-shaped JSON line on stderr naming every bad setting, without
 * loading pino (nothing else is started).
 */
export function reportConfigurationErrors(errors: readonly string[]): void {
  const line = {
    level: 60,
    levelName: 'fatal',
    time: new Date().toISOString(),
    name: 'podvisor',
    pid: process.pid,
    errors,
    msg: `bad configuration, nothing started: ${errors.join('; ')}`,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}
