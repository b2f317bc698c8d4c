import type { Readable } from 'node:stream';
import { LineScanner, type LineHeadListener } from './line-scanner.ts';
import type { OutputSink } from './output-sink.ts';

/** What reads the lines: each line's head, then the end of each read of the pipe. */
export interface LineReader {
  readonly onLine: LineHeadListener;
  readonly onReadDone: () => void;
}

/**
 * Moves one server stream to `sink` chunk by chunk, unchanged, telling `onLine` of every line's head on
 * the way. When the sink is full the source is paused, so the server blocks in write(2) rather than podvisor
 * buffering: memory stays bounded by the pipe buffers, one chunk in flight and the sink's high-water mark.
 * Resolves once the source has ended and every byte has been handed to the kernel.
 */
export function passThrough(source: Readable, sink: OutputSink, reader: LineReader): Promise<void> {
  const scanner = new LineScanner(reader.onLine);
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      scanner.end();
      reader.onReadDone();
      sink.serverStreamEnded();
      void sink.flushed().then(resolve);
    };
    source.on('data', (chunk: Buffer) => {
      scanner.push(chunk);
      reader.onReadDone();
      if (!sink.writeServerBytes(chunk)) {
        source.pause();
        void sink.whenDrained().then(() => source.resume());
      }
    });
    source.once('end', finish);
    // A read error on the server's pipe ends this stream like its end does; the server's exit says the rest.
    source.once('error', finish);
    source.once('close', finish);
  });
}
