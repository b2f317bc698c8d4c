import type { SupervisionListener, SupervisionSnapshot, SupervisionView } from '../supervisor/supervision.ts';
import type { ObservedEvent } from './observer-protocol.ts';

/**
 * The observer thread's copy of supervision: the snapshot and the events as the supervision thread posted them, in
 * order. Observers read it exactly as they would read the state machine itself; nothing here can change supervision.
 */
export class MirroredSupervision implements SupervisionView {
  #snapshot: SupervisionSnapshot;
  readonly #listeners = new Set<SupervisionListener>();
  #eventAt: number | undefined;

  constructor(snapshot: SupervisionSnapshot) {
    this.#snapshot = snapshot;
  }

  get snapshot(): SupervisionSnapshot {
    return this.#snapshot;
  }

  /** While an event is delivered, when it happened on the supervision thread (ms since the epoch); else undefined. */
  get eventAt(): number | undefined {
    return this.#eventAt;
  }

  observe(listener: SupervisionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers one turn's events in order, each with the snapshot that followed it, then takes the latest snapshot. */
  receive(events: readonly ObservedEvent[], latest: SupervisionSnapshot): void {
    for (const [event, snapshot, at] of events) {
      this.#snapshot = snapshot;
      this.#eventAt = at;
      for (const listener of this.#listeners) {
        try {
          listener(event, snapshot);
        } catch (error) {
          // An observer's bug must not stop the others; report it once on stderr and go on.
          process.stderr.write(`podvisor: observer failed on ${event.type}: ${String(error)}\n`);
        }
      }
    }
    this.#eventAt = undefined;
    this.#snapshot = latest;
  }
}
