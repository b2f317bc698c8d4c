import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLogRule, parseLogRule } from '../../../src/config/log-rule.ts';

describe('compileLogRule: RE2 syntax, and why a pattern is refused', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['a pattern that does not parse', '([', /missing closing \)|missing closing \]/],
    ['a backreference (no linear-time match exists)', '(a)\\1', /invalid escape sequence: `\\1`/],
    ['a lookahead', 'fatal(?=!)', /invalid or unsupported Perl syntax: `\(\?=`/],
    ['a negative lookahead', 'fatal(?!ity)', /invalid or unsupported Perl syntax/],
    ['a lookbehind', '(?<=x)fatal', /invalid named capture|invalid or unsupported Perl syntax/],
    ['a repeat count above 1000', 'a{1001}', /invalid repeat count/],
  ];
  for (const [name, source, reason] of refused) {
    it(`refuses ${name}, saying which syntax is accepted and RE2's reason`, async () => {
      const compiled = await compileLogRule(parseLogRule(`regex:${source}`));
      assert.equal(compiled.ok, false);
      const message = compiled.ok ? '' : compiled.message;
      assert.match(message, /^the regex does not compile as RE2 syntax \(no backreferences such as \\1, no lookahead or lookbehind/);
      assert.match(message, reason);
    });
  }
  it('accepts classes, anchors, bounded repeats, named groups and inline flags', async () => {
    for (const source of ['(a+)+$', '^\\[emerg\\] \\d+#\\d+', '(?i)out of memory', '\\bpanic\\b', '(?P<code>E\\d{3})', '\\p{L}+ failed', 'x{2,1000}']) {
      assert.equal((await compileLogRule(parseLogRule(`regex:${source}`))).ok, true, source);
    }
  });
  it('passes the level rules through without loading the engine', async () => {
    assert.deepEqual(await compileLogRule(parseLogRule('fatal')), { ok: true, rule: { kind: 'level', threshold: 'fatal' } });
    assert.deepEqual(await compileLogRule(parseLogRule('off')), { ok: true, rule: { kind: 'off' } });
  });
});
