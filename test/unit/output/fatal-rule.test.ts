import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLogRule } from '../../../src/config/log-rule.ts';
import { LINE_LEVELS, type LineLevel } from '../../../src/output/classify-line.ts';
import { reachesThreshold } from '../../../src/output/fatal-rule.ts';

describe('reachesThreshold', () => {
  const expected: Readonly<Record<string, readonly LineLevel[]>> = {
    fatal: ['fatal'],
    error: ['fatal', 'error'],
    off: [],
  };
  for (const [setting, levels] of Object.entries(expected)) {
    for (const level of LINE_LEVELS) {
      const fires = levels.includes(level);
      it(`PODVISOR_RESTART_ON_LOG=${setting}: a ${level} line ${fires ? 'fires' : 'does not fire'}`, () => {
        assert.equal(reachesThreshold(parseLogRule(setting), level, () => 'any text'), fires);
      });
    }
  }

  it('regex: matches the line text, whatever its level', () => {
    const rule = parseLogRule('regex:OutOfMemoryError|segfault at');
    assert.equal(reachesThreshold(rule, 'info', () => 'java.lang.OutOfMemoryError: Java heap space'), true);
    assert.equal(reachesThreshold(rule, 'fatal', () => '{"level":60,"msg":"other"}'), false);
  });

  it("regex: (a+)+$ on 25 'a' and a '!' answers at once (linear time), and RE2 syntax works", () => {
    const started = performance.now();
    // 25, not the 40 of the field report: a backtracking engine takes ~4 s on this one (2^25 steps), days on 40.
    assert.equal(reachesThreshold(parseLogRule('regex:(a+)+$'), 'unknown', () => `${'a'.repeat(25)}!`), false);
    assert.equal(reachesThreshold(parseLogRule('regex:(a+)+$'), 'unknown', () => 'a'.repeat(40)), true);
    // RE2 takes well under a millisecond; the bound is generous.
    assert.ok(performance.now() - started < 1000);
    assert.equal(reachesThreshold(parseLogRule('regex:(?i)out of memory'), 'info', () => 'Out Of Memory: killed'), true);
    assert.equal(reachesThreshold(parseLogRule('regex:^\\[emerg\\] \\d+#\\d+'), 'fatal', () => '[emerg] 12#12: bind() failed'), true);
    assert.equal(reachesThreshold(parseLogRule('regex:\\bpanic\\b'), 'info', () => 'no panicking here'), false);
  });

  it('decodes the line only for a regex rule', () => {
    let decoded = 0;
    const text = (): string => {
      decoded++;
      return 'x';
    };
    reachesThreshold(parseLogRule('fatal'), 'fatal', text);
    reachesThreshold(parseLogRule('error'), 'info', text);
    reachesThreshold(parseLogRule('off'), 'fatal', text);
    assert.equal(decoded, 0);
  });
});
