import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { OutputSink, SINK_HIGH_WATER_BYTES } from '../../../src/output/output-sink.ts';

/** A real Writable that records what reaches it; `hold` keeps its write callbacks back (a stalled reader). */
function recorder(options: { hold?: boolean } = {}) {
  let holding = options.hold === true;
  const written: Buffer[] = [];
  const held: Array<() => void> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written.push(Buffer.from(chunk));
      if (holding) held.push(callback);
      else callback();
    },
  });
  return {
    destination,
    text: () => Buffer.concat(written).toString('utf8'),
    release: () => {
      holding = false;
      for (const callback of held.splice(0)) callback();
    },
  };
}

const waitFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('OutputSink: podvisor lines between server lines', () => {
  it('writes an own line at once when the server is between lines', () => {
    const out = recorder();
    const sink = new OutputSink({ destination: out.destination, fd: -1 });
    sink.writeServerBytes(Buffer.from('server line\n'));
    sink.writeOwnLine('{"own":1}\n');
    assert.equal(out.text(), 'server line\n{"own":1}\n');
  });

  it('holds an own line while the server is mid-line, and writes it right after the line ends', () => {
    const out = recorder();
    const sink = new OutputSink({ destination: out.destination, fd: -1, ownLineWaitMs: 60_000 });
    sink.writeServerBytes(Buffer.from('first half '));
    sink.writeOwnLine('{"own":1}\n');
    sink.writeOwnLine('{"own":2}\n');
    assert.equal(out.text(), 'first half ');
    sink.writeServerBytes(Buffer.from('second half\nnext line starts'));
    assert.equal(out.text(), 'first half second half\n{"own":1}\n{"own":2}\nnext line starts');
    sink.writeServerBytes(Buffer.from(' and ends\n'));
    assert.equal(out.text(), 'first half second half\n{"own":1}\n{"own":2}\nnext line starts and ends\n');
  });

  it('ends a stalled server line itself after the wait, and the server line continues on the next line', async () => {
    const out = recorder();
    const sink = new OutputSink({ destination: out.destination, fd: -1, ownLineWaitMs: 30 });
    sink.writeServerBytes(Buffer.from('Password: '));
    sink.writeOwnLine('{"own":1}\n');
    assert.equal(out.text(), 'Password: ');
    await waitFor(200);
    assert.equal(out.text(), 'Password: \n{"own":1}\n');
    sink.writeServerBytes(Buffer.from('typed\n'));
    assert.equal(out.text(), 'Password: \n{"own":1}\ntyped\n');
  });

  it('ends the line of a server stream that ended mid-line before anything else is written, and only then', () => {
    const out = recorder();
    const sink = new OutputSink({ destination: out.destination, fd: -1 });
    sink.writeServerBytes(Buffer.from('last words without newline'));
    sink.serverStreamEnded();
    assert.equal(out.text(), 'last words without newline', 'nothing added while nothing follows');
    sink.writeOwnLine('{"own":"server ended"}\n');
    assert.equal(out.text(), 'last words without newline\n{"own":"server ended"}\n');
    sink.writeServerBytes(Buffer.from('the next server\n'));
    assert.equal(out.text(), 'last words without newline\n{"own":"server ended"}\nthe next server\n');
  });

  it('starts the next server on a line of its own when the last one ended mid-line', () => {
    const out = recorder();
    const sink = new OutputSink({ destination: out.destination, fd: -1 });
    sink.writeServerBytes(Buffer.from('cut off'));
    sink.serverStreamEnded();
    sink.writeServerBytes(Buffer.from('restarted\n'));
    assert.equal(out.text(), 'cut off\nrestarted\n');
  });

  it('adds nothing when a server stream ends at a line boundary', () => {
    const out = recorder();
    const sink = new OutputSink({ destination: out.destination, fd: -1 });
    sink.writeServerBytes(Buffer.from('whole\n'));
    sink.serverStreamEnded();
    sink.writeServerBytes(Buffer.from('next\n'));
    assert.equal(out.text(), 'whole\nnext\n');
  });
});

describe('OutputSink: backpressure', () => {
  it('asks the reader to stop once a high-water mark of bytes waits, and resumes it once they are written', async () => {
    const out = recorder({ hold: true });
    const sink = new OutputSink({ destination: out.destination, fd: -1 });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let accepted = 0;
    while (sink.writeServerBytes(chunk)) accepted += chunk.length;
    accepted += chunk.length;
    assert.ok(accepted >= SINK_HIGH_WATER_BYTES && accepted <= SINK_HIGH_WATER_BYTES + chunk.length, `stopped after ${accepted} bytes`);
    let drained = false;
    const whenDrained = sink.whenDrained().then(() => {
      drained = true;
    });
    await waitFor(20);
    assert.equal(drained, false, 'still full while the reader is stalled');
    out.release();
    await whenDrained;
    assert.equal(drained, true);
    await sink.flushed();
    assert.equal(out.text().length, accepted, 'nothing dropped');
  });

  it('discards output once its reader has gone (EPIPE), without throwing', async () => {
    const destination = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const sink = new OutputSink({ destination, fd: -1 });
    sink.writeServerBytes(Buffer.from('a\n'));
    await waitFor(10);
    assert.equal(sink.writeServerBytes(Buffer.from('b\n')), true);
    sink.writeOwnLine('{"own":1}\n');
    await sink.whenDrained();
    await sink.flushed();
  });
});
