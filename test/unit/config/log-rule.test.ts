import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLogRule, parseLogRule, regexScanLimit } from '../../../src/config/log-rule.ts';

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

describe('regexScanLimit: the work one line may cost is bounded, whatever the pattern', () => {
  const rows: Array<[string, number, number]> = [
    ['a tiny program sees the whole 64 KiB head', 20, 65536],
    ['four alternatives (~57 instructions): ~35,000 characters', 57, 35087],
    ['(?i)(error|fatal).{0,1000}timeout (2,022 instructions): ~1,000 characters', 2022, 989],
    ['(a|b){1000} four times (12,003 instructions): 166 characters', 12003, 166],
    ['never below 64 characters', 1_000_000, 64],
  ];
  for (const [name, programSize, expected] of rows) it(name, () => assert.equal(regexScanLimit(programSize), expected));

  it("a compiled rule looks at no more than its limit: a match beyond it is not seen", async () => {
    const compiled = await compileLogRule(parseLogRule(`regex:${'(a|b){1000}'.repeat(4)}[0-9]`));
    assert.ok(compiled.ok && compiled.rule.kind === 'regex');
    assert.equal(compiled.rule.scanLimit, 166);
    assert.equal(compiled.rule.pattern.test('a'.repeat(65536)), false);
    const started = performance.now();
    for (let line = 0; line < 20; line++) compiled.rule.pattern.test('a'.repeat(65536));
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `20 lines of 64 KiB against it took ${ms.toFixed(0)} ms (it was 5.3 s a line)`);
  });
});
