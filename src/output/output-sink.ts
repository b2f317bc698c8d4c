import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

const NEWLINE = 0x0a;
const NEWLINE_BUFFER = Buffer.from('\n');

/**
 * How many bytes may wait in podvisor for a slow reader before the server's pipe is no longer read. Larger
 * than a stream's default 16 KiB so that a fast reader is not paused on every read (which halves throughput).
 */
export const SINK_HIGH_WATER_BYTES = 1024 * 1024;

/** How long podvisor's own line waits for the server to finish the line it is in the middle of. */
export const OWN_LINE_WAIT_MS = 1000;

export interface OutputSinkOptions {
  readonly destination: Writable;
  /** podvisor's fd for `destination`, for the synchronous flush of podvisor's own lines at exit. */
  readonly fd: number;
  readonly ownLineWaitMs?: number;
}

/**
 * One of podvisor's output streams (stdout or stderr) shared by the server's bytes and podvisor's own log
 * lines. Server bytes are written as they come, never held back or changed. podvisor's lines are written only
 * at a server line boundary; see docs/output.md, "podvisor's own lines on stderr", for the rule when the server stops mid-line.
 */
export class OutputSink {
  readonly #destination: Writable;
  readonly #fd: number;
  readonly #ownLineWaitMs: number;
  /** Whether the last byte written to the destination ended a line (or nothing was written yet). */
  #atLineBoundary = true;
  /** The server whose stream left the destination mid-line ended: the line is closed before anything else. */
  #lineCutOff = false;
  readonly #ownLines: string[] = [];
  #ownLineTimer: NodeJS.Timeout | undefined;
  #broken = false;
  readonly #drainWaiters = new Set<() => void>();

  constructor(options: OutputSinkOptions) {
    this.#destination = options.destination;
    this.#fd = options.fd;
    this.#ownLineWaitMs = options.ownLineWaitMs ?? OWN_LINE_WAIT_MS;
    // A reader that went away (EPIPE) must not crash PID 1: from then on the server's output is discarded.
    this.#destination.on('error', () => {
      this.#broken = true;
      this.#releaseDrainWaiters();
    });
    this.#destination.on('drain', () => this.#releaseDrainWaiters());
  }

  /**
   * Passes server bytes on. Returns false when the destination is full: the caller stops reading until
   * `whenDrained` resolves (that is how a slow reader slows the server down).
   */
  writeServerBytes(chunk: Buffer): boolean {
    if (this.#broken || chunk.length === 0) return true;
    if (this.#lineCutOff) this.#closeCutOffLine();
    let ready = true;
    if (this.#ownLines.length > 0) {
      const lastNewline = chunk.lastIndexOf(NEWLINE);
      if (lastNewline !== -1) {
        // podvisor's waiting lines go right after the server's last complete line in this chunk.
        this.#destination.write(chunk.subarray(0, lastNewline + 1));
        this.#atLineBoundary = true;
        this.#writeOwnLines();
        if (lastNewline + 1 < chunk.length) ready = this.#writeRaw(chunk.subarray(lastNewline + 1));
        return ready && this.#hasRoom();
      }
    }
    return this.#writeRaw(chunk);
  }

  /** Resolves once the destination can take more (at once when it can). */
  whenDrained(): Promise<void> {
    if (this.#broken || this.#hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.add(resolve));
  }

  /** A server stream that wrote here has ended; if it ended mid-line, the line is closed before anything else. */
  serverStreamEnded(): void {
    if (this.#atLineBoundary) return;
    this.#lineCutOff = true;
    if (this.#ownLines.length > 0) this.#closeCutOffLine();
  }

  /** Resolves once every byte written so far has been handed to the kernel (or the destination broke). */
  flushed(): Promise<void> {
    if (this.#broken || this.#destination.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#destination.write(Buffer.alloc(0), () => resolve());
    });
  }

  /** podvisor's own log line (ending in '\n'): now if the server is between lines, else at its next line end. */
  writeOwnLine(line: string): void {
    if (this.#broken) return;
    if (this.#lineCutOff) this.#closeCutOffLine();
    if (this.#atLineBoundary && this.#ownLines.length === 0) {
      this.#destination.write(line);
      return;
    }
    this.#ownLines.push(line);
    this.#ownLineTimer ??= setTimeout(() => this.#breakStalledLine(), this.#ownLineWaitMs);
    this.#ownLineTimer.unref();
  }

  /**
   * At exit: own lines still waiting are written synchronously (ending the server's line first), when
   * nothing is queued ahead of them, so that podvisor's last words are not lost.
   */
  flushOwnLinesSync(): void {
    if (this.#broken || this.#ownLines.length === 0 || this.#destination.writableLength > 0) return;
    const text = (this.#atLineBoundary ? '' : '\n') + this.#ownLines.join('');
    this.#ownLines.length = 0;
    try {
      writeSync(this.#fd, text);
    } catch {
      // The reader is gone or the pipe is full at exit; nothing more can be done.
    }
  }

  #writeRaw(chunk: Buffer): boolean {
    this.#atLineBoundary = chunk[chunk.length - 1] === NEWLINE;
    this.#destination.write(chunk);
    if (this.#atLineBoundary && this.#ownLines.length > 0) this.#writeOwnLines();
    return this.#hasRoom();
  }

  #hasRoom(): boolean {
    return this.#destination.writableLength < SINK_HIGH_WATER_BYTES;
  }

  #writeOwnLines(): void {
    clearTimeout(this.#ownLineTimer);
    this.#ownLineTimer = undefined;
    const text = this.#ownLines.join('');
    this.#ownLines.length = 0;
    this.#destination.write(text);
  }

  #closeCutOffLine(): void {
    this.#lineCutOff = false;
    this.#destination.write(NEWLINE_BUFFER);
    this.#atLineBoundary = true;
    if (this.#ownLines.length > 0) this.#writeOwnLines();
  }

  /** The server has been mid-line for the whole wait: podvisor ends the line itself and writes its own. */
  #breakStalledLine(): void {
    this.#ownLineTimer = undefined;
    if (this.#ownLines.length === 0 || this.#broken) return;
    if (!this.#atLineBoundary) this.#destination.write(NEWLINE_BUFFER);
    this.#atLineBoundary = true;
    this.#writeOwnLines();
  }

  #releaseDrainWaiters(): void {
    const waiters = [...this.#drainWaiters];
    this.#drainWaiters.clear();
    for (const resolve of waiters) resolve();
  }
}
