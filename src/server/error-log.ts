/**
 * The Darwin Streaming Server's error log (QTSS_ErrorLog_Role and QTSS_ErrorVerbosity, docs/origins.md): five verbosities, most severe first.
 * A module registers a listener and is told of every logged error; `fatal` also sets the server's state to
 * fatal_error (that part is the kit's, see server-kit.ts).
 */
export const ERROR_VERBOSITIES = ['fatal', 'warning', 'message', 'assert', 'debug'] as const;
export type ErrorVerbosity = (typeof ERROR_VERBOSITIES)[number];

export interface ErrorLogEntry {
  readonly verbosity: ErrorVerbosity;
  readonly message: string;
  readonly time: Date;
  /** `logError` for the kit's own call; `pino` when the pino hook reported a line pino itself writes. */
  readonly source: 'logError' | 'pino';
}

export type ErrorLogListener = (entry: ErrorLogEntry) => void;

export function isErrorVerbosity(value: unknown): value is ErrorVerbosity {
  return typeof value === 'string' && (ERROR_VERBOSITIES as readonly string[]).includes(value);
}

/** Whether an entry of `verbosity` is shown when the log is set to `threshold` (qtssFatalVerbosity = 0 …). */
export function isWithin(verbosity: ErrorVerbosity, threshold: ErrorVerbosity): boolean {
  return ERROR_VERBOSITIES.indexOf(verbosity) <= ERROR_VERBOSITIES.indexOf(threshold);
}

/**
 * One line for a person reading the server's stderr: `<ISO time> <VERBOSITY>: <message>`. It starts with
 * the time, so podvisor's log-line rule (a line that *begins* with a level word) does not take it for a
 * second report of a fatal error the kit already sent over IPC.
 */
export function formatEntry(entry: ErrorLogEntry): string {
  return `${entry.time.toISOString()} ${entry.verbosity.toUpperCase()}: ${entry.message}\n`;
}

/** The listeners, each called in registration order; one that throws does not stop the others. */
export class ErrorLog {
  readonly #listeners = new Set<ErrorLogListener>();

  add(listener: ErrorLogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(entry: ErrorLogEntry): void {
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch (error) {
        process.stderr.write(`podvisor/server: an error-log listener failed: ${String(error)}\n`);
      }
    }
  }
}

/** The default listener: entries within `threshold` go to stderr, except pino's (pino wrote its own line). */
export function consoleListener(threshold: ErrorVerbosity, write: (text: string) => void = (text) => process.stderr.write(text)): ErrorLogListener {
  return (entry) => {
    if (entry.source === 'logError' && isWithin(entry.verbosity, threshold)) write(formatEntry(entry));
  };
}
