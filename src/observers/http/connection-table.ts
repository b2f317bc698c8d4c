/**
 * The connections of podvisor's port, in the order of their last progress (connected, a request head complete,
 * an answer taken by the client). The first is the one that has done nothing useful for the longest: a silent
 * or trickling connection, a client that stopped reading. It is the one closed when a new connection needs room,
 * so that a probe, which connects and sends its request at once, always gets in.
 */
export class ConnectionTable<Connection> {
  readonly #progress = new Map<Connection, number>();

  get size(): number {
    return this.#progress.size;
  }

  add(connection: Connection, now: number): void {
    this.#progress.set(connection, now);
  }

  /** Moves `connection` to the end: it just made progress. */
  progressed(connection: Connection, now: number): void {
    if (!this.#progress.delete(connection)) return;
    this.#progress.set(connection, now);
  }

  remove(connection: Connection): void {
    this.#progress.delete(connection);
  }

  /** The connection to close for room: the one whose last progress is oldest. */
  stalest(): Connection | undefined {
    for (const connection of this.#progress.keys()) return connection;
    return undefined;
  }

  [Symbol.iterator](): IterableIterator<Connection> {
    return this.#progress.keys();
  }
}
