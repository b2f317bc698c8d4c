/**
 * The first thing podvisor does: a handler for every signal it acts on, before anything else is loaded. As PID 1
 * a signal with no handler is discarded by the kernel, and Node resets every disposition and the signal mask
 * when it starts, so nothing before this statement can keep a signal for podvisor (docs/supervision.md,
 * "Signals in the first milliseconds"). Signals that arrive before supervision exists are kept, in order, and
 * handed over when it does; the handlers themselves are never removed or replaced, so there is no later moment
 * without one either. No imports: this module is the whole of what runs before the handlers exist.
 */

/** Every signal podvisor handles (src/supervisor/signal-decision.ts keeps the same list; a test holds them equal). */
export const EARLY_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGPIPE', 'SIGALRM'];

export interface EarlySignals {
  /** The signals received so far that nobody has taken, oldest first, with when they came (ms since the epoch). */
  readonly pending: ReadonlyArray<{ readonly signal: NodeJS.Signals; readonly at: number }>;
  /** From now on every signal goes to `handler` at once; the ones pending go first, in order. */
  deliverTo(handler: (signal: NodeJS.Signals) => void): void;
}

export function holdSignals(): EarlySignals {
  const pending: Array<{ signal: NodeJS.Signals; at: number }> = [];
  let deliver: ((signal: NodeJS.Signals) => void) | undefined;
  for (const signal of EARLY_SIGNALS) {
    process.on(signal, () => {
      if (deliver === undefined) pending.push({ signal, at: Date.now() });
      else deliver(signal);
    });
  }
  return {
    pending,
    deliverTo(handler) {
      deliver = handler;
      for (const { signal } of pending.splice(0)) handler(signal);
    },
  };
}
