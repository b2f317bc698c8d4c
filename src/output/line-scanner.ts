/** How much of a line is inspected; the rest of a longer line passes through unread (docs/output.md). */
export const LINE_HEAD_LIMIT = 64 * 1024;

const NEWLINE = 0x0a;

/**
 * Receives the head of every line: `buffer[start, end)` are the line's first bytes (at most
 * LINE_HEAD_LIMIT, without the newline). The bytes are only valid during the call.
 */
export type LineHeadListener = (buffer: Buffer, start: number, end: number) => void;

/**
 * Finds line boundaries in a byte stream without copying it: each chunk is searched for '\n' with
 * Buffer#indexOf, and only the head of a line that spans chunks is kept (copied, at most 64 KiB), so a line
 * of any length costs bounded memory.
 */
export class LineScanner {
  readonly #onLine: LineHeadListener;
  /** The head of the line under way when it began in an earlier chunk. */
  #pendingHead: Buffer[] = [];
  #pendingHeadLength = 0;
  /** Whether bytes of an unterminated line have been seen. */
  #lineUnderWay = false;

  constructor(onLine: LineHeadListener) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, 0);
    if (this.#lineUnderWay && newline !== -1) {
      this.#keepHead(chunk, 0, newline);
      this.#emitPending();
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    while (newline !== -1) {
      this.#onLine(chunk, start, Math.min(newline, start + LINE_HEAD_LIMIT));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      this.#keepHead(chunk, start, chunk.length);
      this.#lineUnderWay = true;
    }
  }

  /** The stream ended: an unterminated last line is a line too. */
  end(): void {
    if (this.#lineUnderWay) this.#emitPending();
  }

  #keepHead(chunk: Buffer, start: number, end: number): void {
    const room = LINE_HEAD_LIMIT - this.#pendingHeadLength;
    if (room <= 0 || end <= start) return;
    const part = Buffer.from(chunk.subarray(start, Math.min(end, start + room)));
    this.#pendingHead.push(part);
    this.#pendingHeadLength += part.length;
  }

  #emitPending(): void {
    const head = this.#pendingHead.length === 1 ? (this.#pendingHead[0] as Buffer) : Buffer.concat(this.#pendingHead, this.#pendingHeadLength);
    this.#pendingHead = [];
    this.#pendingHeadLength = 0;
    this.#lineUnderWay = false;
    this.#onLine(head, 0, head.length);
  }
}
