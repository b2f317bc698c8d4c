import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { MAX_MESSAGE_BYTES, parseKitLine, type KitMessage } from '../ipc/protocol.ts';
import { libc } from '../pid1/libc.ts';

const NEWLINE = 0x0a;

/** Why a line of the channel was dropped. */
export type DroppedLine = 'not JSON' | 'not a kit message' | 'longer than 4096 bytes';

/** How often at most podvisor warns about dropped lines of one server (the first one at once). */
export const DROP_REPORT_INTERVAL_MS = 60_000;

/**
 * Splits the channel's bytes into lines of at most `limit` bytes. A longer line is dropped whole: its bytes are
 * never kept beyond `limit`, whatever the server writes, so memory stays bounded per server.
 */
export class BoundedLines {
  readonly #limit: number;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** The line under way is over the limit: skip to its end. */
  #discarding = false;

  constructor(limit = MAX_MESSAGE_BYTES) {
    this.#limit = limit;
  }

  /** Calls `onLine` for each complete line within the limit and `onTooLong` once for each longer one. */
  push(chunk: Buffer, onLine: (line: string) => void, onTooLong: () => void): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.#take(chunk.subarray(start, newline), onTooLong);
      if (this.#discarding) this.#discarding = false;
      else onLine(this.#partialBytes === 0 ? '' : Buffer.concat(this.#partial, this.#partialBytes).toString('utf8'));
      this.#partial = [];
      this.#partialBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start), onTooLong);
  }

  #take(bytes: Buffer, onTooLong: () => void): void {
    if (this.#discarding || bytes.length === 0) return;
    if (this.#partialBytes + bytes.length > this.#limit) {
      this.#discarding = true;
      this.#partial = [];
      this.#partialBytes = 0;
      onTooLong();
      return;
    }
    this.#partial.push(Buffer.from(bytes));
    this.#partialBytes += bytes.length;
  }
}

export interface KitChannelListener {
  onMessage(message: KitMessage): void;
  /** Lines dropped since the last report (`count` ≥ 1), the first of them for `why`; at most once a minute. */
  onDropped(why: DroppedLine, count: number): void;
}

/**
 * podvisor's end of one server's kit channel: a Unix socket pair, the server's end passed to it at CHANNEL_FD.
 * Reading yields to the event loop after every chunk, so that a server flooding its channel never holds up
 * signals, exits or timers; every line is bounded; nothing the server writes can throw out of here.
 */
export class KitChannel {
  /** The server's end: give it to spawn() at CHANNEL_FD, then call serverHasIt(). */
  readonly serverFd: number;
  readonly #socket: Socket;
  readonly #ended: Promise<void>;
  readonly #closed: Promise<void>;
  #serverEndClosed = false;

  private constructor(podvisorFd: number, serverFd: number) {
    this.serverFd = serverFd;
    this.#socket = new Socket({ fd: podvisorFd, readable: true, writable: false });
    this.#socket.on('error', () => this.#socket.destroy());
    this.#ended = new Promise((resolve) => {
      this.#socket.once('end', resolve);
      this.#socket.once('close', resolve);
    });
    this.#closed = new Promise((resolve) => this.#socket.once('close', () => setImmediate(resolve)));
  }

  /** Resolves once every copy of the server's end is closed and everything it wrote has been read. */
  ended(): Promise<void> {
    return this.#ended;
  }

  /** A new channel, or undefined where the kernel refuses a socket pair (the server then runs without one). */
  static open(): KitChannel | undefined {
    let fds: [number, number] | undefined;
    try {
      fds = libc().socketPair();
    } catch {
      return undefined;
    }
    return fds === undefined ? undefined : new KitChannel(fds[0], fds[1]);
  }

  /** Closes podvisor's copy of the server's end (the server has its own now, or the spawn failed). */
  serverHasIt(): void {
    if (this.#serverEndClosed) return;
    this.#serverEndClosed = true;
    closeSync(this.serverFd);
  }

  listen(listener: KitChannelListener, now: () => number = Date.now): void {
    const lines = new BoundedLines();
    let lastReport = Number.NEGATIVE_INFINITY;
    let unreported = 0;
    let firstWhy: DroppedLine | undefined;
    const dropped = (why: DroppedLine): void => {
      unreported += 1;
      firstWhy ??= why;
      if (now() - lastReport < DROP_REPORT_INTERVAL_MS) return;
      lastReport = now();
      listener.onDropped(firstWhy, unreported);
      unreported = 0;
      firstWhy = undefined;
    };
    this.#socket.on('data', (chunk: Buffer) => {
      lines.push(
        chunk,
        (line) => {
          const parsed = parseKitLine(line);
          if (parsed.ok) listener.onMessage(parsed.message);
          else dropped(parsed.why);
        },
        () => dropped('longer than 4096 bytes'),
      );
      this.#socket.pause();
      setImmediate(() => {
        if (!this.#socket.destroyed) this.#socket.resume();
      });
    });
    this.#socket.once('close', () => {
      if (unreported > 0 && firstWhy !== undefined) listener.onDropped(firstWhy, unreported);
    });
  }

  /** Stops reading and releases both ends that podvisor holds; resolves once the last drop report is out. */
  close(): Promise<void> {
    this.serverHasIt();
    this.#socket.destroy();
    return this.#closed;
  }
}
