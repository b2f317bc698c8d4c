import type { ServerExit } from '../process/server-exit.ts';
import type { SupervisionEvent } from './events.ts';
import { isReady, type SupervisionState } from './states.ts';
import { nextState, type StateInput } from './transitions.ts';

/** What is true of supervision right now. Observers read it; only the supervisor writes it. */
export interface SupervisionSnapshot {
  readonly state: SupervisionState;
  /** The server's pid while a server process exists. */
  readonly pid: number | undefined;
  /** Restarts since podvisor started (every reason). */
  readonly restarts: number;
  readonly lastExit: ExitRecord | undefined;
  /** When the current server was spawned (ms since the epoch). */
  readonly serverStartedAt: number | undefined;
  /** The restart delay now pending, in ms (0 when none). */
  readonly backoffMs: number;
  /** Sessions reported by a server built on the kit; undefined for other servers. */
  readonly sessions: number | undefined;
  /** A fatal line awaits confirmation: the state shows fatal_error, but the server still serves (ready). */
  readonly fatalLinePending: boolean;
  /** The server is stopped (SIGSTOP, SIGTSTP): not ready, whatever its state. */
  readonly serverSuspended: boolean;
  readonly supervisorStartedAt: number;
}

/** How the last server ended, and whether that was podvisor's doing (a stop signal, or SIGKILL at the deadline). */
export type ExitRecord = ServerExit & { readonly stoppedBy?: 'podvisor' };

export type SupervisionListener = (event: SupervisionEvent, snapshot: SupervisionSnapshot) => void;

/** What observers get: the snapshot and the events, never a way to change supervision. */
export interface SupervisionView {
  readonly snapshot: SupervisionSnapshot;
  /** Registers an observer; returns a function that removes it. */
  observe(listener: SupervisionListener): () => void;
}

/**
 * Whether the server is ready for traffic (/readyz 200): `running` and not stopped by SIGSTOP; also while a fatal
 * line awaits confirmation, since the server still serves and failing readiness for each unconfirmed line would
 * make the error-log rule an outage of its own (docs/output.md, "Confirmation").
 */
export function serverReady(snapshot: SupervisionSnapshot): boolean {
  if (snapshot.serverSuspended) return false;
  return isReady(snapshot.state) || (snapshot.state === 'fatal_error' && snapshot.fatalLinePending);
}

/** How long the current server has run, in ms; 0 while none runs. */
export function serverUptimeMs(snapshot: SupervisionSnapshot, now: number): number {
  if (snapshot.pid === undefined || snapshot.serverStartedAt === undefined) return 0;
  return Math.max(0, now - snapshot.serverStartedAt);
}

/**
 * The one state machine: the current state (changed only through the transition table) and the
 * facts that go with it, plus the observers that are told of every change.
 */
export class Supervision implements SupervisionView {
  #snapshot: SupervisionSnapshot;
  readonly #listeners = new Set<SupervisionListener>();
  /** Events kept while observers are still loading (podvisor spawns the server before loading them). */
  #held: Array<[SupervisionEvent, SupervisionSnapshot]> | undefined;

  constructor(options: { readonly holdEvents?: boolean; readonly now?: number } = {}) {
    const now = options.now ?? Date.now();
    this.#held = options.holdEvents === true ? [] : undefined;
    this.#snapshot = {
      state: 'stopped',
      pid: undefined,
      restarts: 0,
      lastExit: undefined,
      serverStartedAt: undefined,
      backoffMs: 0,
      sessions: undefined,
      fatalLinePending: false,
      serverSuspended: false,
      supervisorStartedAt: now,
    };
  }

  get snapshot(): SupervisionSnapshot {
    return this.#snapshot;
  }

  get state(): SupervisionState {
    return this.#snapshot.state;
  }

  /** The read-only face of this machine, for observers. */
  get view(): SupervisionView {
    const snapshot = (): SupervisionSnapshot => this.#snapshot;
    return {
      get snapshot() {
        return snapshot();
      },
      observe: (listener) => this.observe(listener),
    };
  }

  /** Registers an observer; returns a function that removes it. */
  observe(listener: SupervisionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies `input`; returns whether the state changed. */
  apply(input: StateInput): boolean {
    const from = this.#snapshot.state;
    const to = nextState(from, input);
    if (to === undefined) return false;
    this.#snapshot = { ...this.#snapshot, state: to };
    this.emit({ type: 'transition', from, to });
    return true;
  }

  /** Records facts that are not a state change (pid, restarts, back-off, sessions…). */
  update(patch: Partial<Omit<SupervisionSnapshot, 'state' | 'supervisorStartedAt'>>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
  }

  /** Delivers the events held so far to the observers now registered, and stops holding. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const [event, snapshot] of held) this.#deliver(event, snapshot);
  }

  emit(event: SupervisionEvent): void {
    if (this.#held !== undefined) {
      this.#held.push([event, this.#snapshot]);
      return;
    }
    this.#deliver(event, this.#snapshot);
  }

  #deliver(event: SupervisionEvent, snapshot: SupervisionSnapshot): void {
    for (const listener of this.#listeners) {
      try {
        listener(event, snapshot);
      } catch (error) {
        // An observer's bug must never stop supervision; report it once on stderr and go on.
        process.stderr.write(`podvisor: observer failed on ${event.type}: ${String(error)}\n`);
      }
    }
  }
}
