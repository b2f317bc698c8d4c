/** What the registry needs from a session: a way to ask it to end, and a way to kill it now. */
export interface SessionControl {
  /** Asked on shutdown: finish gracefully (e.g. send a last frame) and then call `Session.close()`. */
  end(): void;
  /** Idle state, or the drain deadline passed: release everything at once. The registry forgets the session. */
  kill(): void;
}

/** A session the registry accepted. */
export interface Session {
  readonly id: number;
  /** Tells the registry the session has ended. Idempotent. */
  close(): void;
}

interface Entry {
  readonly control: SessionControl;
  ending: boolean;
}

/**
 * The open sessions, by id. Opening, closing and counting are O(1) (a Map); only shutdown and idle walk
 * all of them. `onCountChanged` is told the new count after every change (the kit coalesces what it sends).
 */
export class SessionRegistry {
  readonly #sessions = new Map<number, Entry>();
  readonly #onCountChanged: (count: number) => void;
  readonly #emptyWaiters = new Set<() => void>();
  #nextId = 1;

  constructor(onCountChanged: (count: number) => void) {
    this.#onCountChanged = onCountChanged;
  }

  get count(): number {
    return this.#sessions.size;
  }

  /** Registers a session; the caller has already checked that the state accepts sessions. */
  add(control: SessionControl): Session {
    const id = this.#nextId++;
    this.#sessions.set(id, { control, ending: false });
    this.#onCountChanged(this.#sessions.size);
    return { id, close: () => this.#remove(id) };
  }

  /** Asks every session to end (each once). */
  endAll(): void {
    for (const entry of [...this.#sessions.values()]) {
      if (entry.ending) continue;
      entry.ending = true;
      try {
        entry.control.end();
      } catch (error) {
        process.stderr.write(`podvisor/server: a session failed to end: ${String(error)}\n`);
      }
    }
  }

  /** Kills every session and forgets it; returns how many there were. */
  killAll(): number {
    const entries = [...this.#sessions.values()];
    if (entries.length === 0) return 0;
    this.#sessions.clear();
    for (const entry of entries) {
      try {
        entry.control.kill();
      } catch (error) {
        process.stderr.write(`podvisor/server: a session failed to die: ${String(error)}\n`);
      }
    }
    this.#countChanged();
    return entries.length;
  }

  /** Resolves true once no session is left, or false after `timeoutMs`. */
  waitUntilEmpty(timeoutMs: number): Promise<boolean> {
    if (this.#sessions.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (empty: boolean): void => {
        clearTimeout(timer);
        this.#emptyWaiters.delete(onEmpty);
        resolve(empty);
      };
      const onEmpty = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#emptyWaiters.add(onEmpty);
    });
  }

  #remove(id: number): void {
    if (!this.#sessions.delete(id)) return;
    this.#countChanged();
  }

  #countChanged(): void {
    const count = this.#sessions.size;
    this.#onCountChanged(count);
    if (count === 0) for (const waiter of [...this.#emptyWaiters]) waiter();
  }
}
