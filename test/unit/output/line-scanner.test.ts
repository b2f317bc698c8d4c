import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LINE_HEAD_LIMIT, LineScanner } from '../../../src/output/line-scanner.ts';

/** The line heads a scanner reports for `chunks`, as strings. */
function heads(chunks: readonly Buffer[]): string[] {
  const found: string[] = [];
  const scanner = new LineScanner((buffer, start, end) => found.push(buffer.toString('latin1', start, end)));
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return found;
}

describe('LineScanner', () => {
  it('reports every line of one chunk, and an unterminated last line at the end', () => {
    assert.deepEqual(heads([Buffer.from('a\nbb\n\nccc')]), ['a', 'bb', '', 'ccc']);
  });

  it('reports nothing more for a stream that ends with a newline', () => {
    assert.deepEqual(heads([Buffer.from('a\n')]), ['a']);
    assert.deepEqual(heads([]), []);
  });

  it('joins a line split over chunks, at every split point', () => {
    const text = '{"level":60,"msg":"x"}\nsecond line\n';
    for (let split = 0; split <= text.length; split++) {
      assert.deepEqual(heads([Buffer.from(text.slice(0, split)), Buffer.from(text.slice(split))]), ['{"level":60,"msg":"x"}', 'second line'], `split at ${split}`);
    }
  });

  it('joins a line spread over many one-byte chunks', () => {
    assert.deepEqual(heads([...Buffer.from('ab\ncd\n')].map((byte) => Buffer.from([byte]))), ['ab', 'cd']);
  });

  it('gives only the first 64 KiB of a longer line, within a chunk and across chunks', () => {
    const long = 'F'.repeat(LINE_HEAD_LIMIT + 1000);
    const [inOne] = heads([Buffer.from(`${long}\nnext\n`)]);
    assert.equal(inOne?.length, LINE_HEAD_LIMIT);
    const pieces = [];
    for (let offset = 0; offset < long.length; offset += 7000) pieces.push(Buffer.from(long.slice(offset, offset + 7000)));
    const spread = heads([...pieces, Buffer.from('\nnext\n')]);
    assert.equal(spread[0]?.length, LINE_HEAD_LIMIT);
    assert.equal(spread[1], 'next');
  });

  it('keeps its own copy of a pending head (the reader may reuse its buffer)', () => {
    const found: string[] = [];
    const scanner = new LineScanner((buffer, start, end) => found.push(buffer.toString('latin1', start, end)));
    const reused = Buffer.from('abc');
    scanner.push(reused);
    reused.write('xyz');
    scanner.push(Buffer.from('\n'));
    assert.deepEqual(found, ['abc']);
  });
});
