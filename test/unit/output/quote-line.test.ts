import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QUOTED_LINE_LIMIT, quoteLine } from '../../../src/output/quote-line.ts';

const characters = (text: string): number => Array.from(text).length;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('quoting a server line', () => {
  it('a short line is quoted whole', () => assert.equal(quoteLine('FATAL: disk full'), 'FATAL: disk full'));
  it('a line of exactly the limit is quoted whole', () => assert.equal(quoteLine('x'.repeat(QUOTED_LINE_LIMIT)), 'x'.repeat(QUOTED_LINE_LIMIT)));
  it('a longer line: at most 512 characters with the "…"', () => {
    const quoted = quoteLine('x'.repeat(10_000));
    assert.equal(characters(quoted), QUOTED_LINE_LIMIT);
    assert.ok(quoted.endsWith('…'));
  });
  it('emoji (surrogate pairs) are never split, and the count is in characters', () => {
    for (const prefix of ['', 'a', 'ab']) {
      const quoted = quoteLine(prefix + '😀'.repeat(600));
      assert.doesNotMatch(quoted, loneSurrogate);
      assert.equal(characters(quoted), QUOTED_LINE_LIMIT);
    }
  });
  it('300 emoji (600 UTF-16 units, 300 characters) are quoted whole', () => assert.equal(quoteLine('😀'.repeat(300)), '😀'.repeat(300)));
});
