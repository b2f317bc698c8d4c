import type { Readable } from 'node:stream';
import { LineScanner, type LineHeadListener } from './line-scanner.ts';
import type { OutputSink } from './output-sink.ts';

/** What reads the lines: each line's head, then the end of each batch of reads. */
export interface LineReader {
  readonly onLine: LineHeadListener;
  readonly onReadDone: () => void;
}

/** Reads up to this size that arrive in one turn of the event loop are written out as one. */
const COALESCE_BYTES = 64 * 1024;

/**
 * Moves one server stream to `sink`, unchanged, telling `reader` of every line's head on the way. The reads
 * that arrive in one turn of the event loop are written (and counted) together: a server that writes line by
 * line then costs podvisor one write per turn, not one per line. When the sink is full the source is paused,
 * so the server blocks in write(2) rather than podvisor buffering: memory stays bounded by the pipe buffers,
 * one turn's reads and the sink's high-water mark. Resolves once the source has ended and every byte has been
 * handed to the kernel.
 */
export function passThrough(source: Readable, sink: OutputSink, reader: LineReader): Promise<void> {
  const scanner = new LineScanner(reader.onLine);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let scheduled = false;

  const writePending = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunks = pending;
    pending = [];
    pendingBytes = 0;
    reader.onReadDone();
    const ready = chunks.length === 1 ? sink.writeServerBytes(chunks[0] as Buffer) : sink.writeServerBytes(Buffer.concat(chunks));
    if (!ready) {
      source.pause();
      void sink.whenDrained().then(() => source.resume());
    }
  };

  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      scanner.end();
      writePending();
      reader.onReadDone();
      sink.serverStreamEnded();
      void sink.flushed().then(resolve);
    };
    source.on('data', (chunk: Buffer) => {
      scanner.push(chunk);
      if (chunk.length >= COALESCE_BYTES) {
        writePending();
        pending.push(chunk);
        writePending();
        return;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= COALESCE_BYTES) writePending();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(writePending);
      }
    });
    source.once('end', finish);
    // A read error on the server's pipe ends this stream like its end does; the server's exit says the rest.
    source.once('error', finish);
    source.once('close', finish);
  });
}
