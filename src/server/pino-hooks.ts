import { PINO_LEVELS } from '../ipc/log-levels.ts';

/** pino's numeric levels for the two thresholds of the error-log rule (docs/output.md). */
const THRESHOLD_LEVEL = { fatal: PINO_LEVELS.fatal, error: PINO_LEVELS.error } as const;

export interface PinoHookOptions {
  /** The lowest pino level that counts as a fatal error: `fatal` (60, the default) or `error` (50). */
  readonly threshold?: keyof typeof THRESHOLD_LEVEL;
}

/** The shape of pino's `hooks` option (pino's own types are not needed at run time). */
export interface PinoHooks {
  logMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => void, level: number): void;
}

/**
 * pino `hooks` that report a log call at or above the threshold as a fatal error (`onFatal`) before pino
 * writes the line, so that podvisor hears it over IPC before it could read the line from the output.
 */
export function pinoHooks(onFatal: (message: string) => void, options: PinoHookOptions = {}): PinoHooks {
  const threshold = THRESHOLD_LEVEL[options.threshold ?? 'fatal'];
  return {
    logMethod(args, method, level) {
      if (level >= threshold) onFatal(messageOf(args));
      method.apply(this, args);
    },
  };
}

/** The text of a pino call: `(msg)`, `(object, msg)`, `(error)` or `(object)` with a `msg`. */
export function messageOf(args: readonly unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'string') return first;
  if (typeof second === 'string') return second;
  if (first instanceof Error) return first.message;
  if (typeof first === 'object' && first !== null) {
    const fields = first as Record<string, unknown>;
    if (typeof fields['msg'] === 'string') return fields['msg'];
    if (fields['err'] instanceof Error) return fields['err'].message;
  }
  return 'a fatal log line without a message';
}
