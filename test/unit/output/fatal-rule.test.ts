import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLogRule, parseLogRule, type LogRule } from '../../../src/config/log-rule.ts';
import { LINE_LEVELS, type LineLevel } from '../../../src/output/classify-line.ts';
import { reachesThreshold } from '../../../src/output/fatal-rule.ts';

/** The rule as podvisor runs it: parsed, and its regex compiled. */
async function rule(text: string): Promise<LogRule> {
  const compiled = await compileLogRule(parseLogRule(text));
  assert.ok(compiled.ok, text);
  return compiled.rule;
}

describe('reachesThreshold', () => {
  const expected: Readonly<Record<string, readonly LineLevel[]>> = {
    fatal: ['fatal'],
    error: ['fatal', 'error'],
    off: [],
  };
  for (const [setting, levels] of Object.entries(expected)) {
    for (const level of LINE_LEVELS) {
      const fires = levels.includes(level);
      it(`PODVISOR_RESTART_ON_LOG=${setting}: a ${level} line ${fires ? 'fires' : 'does not fire'}`, async () => {
        assert.equal(reachesThreshold(await rule(setting), level, () => 'any text'), fires);
      });
    }
  }

  it('regex: matches the line text, whatever its level', async () => {
    const oom = await rule('regex:OutOfMemoryError|segfault at');
    assert.equal(reachesThreshold(oom, 'info', () => 'java.lang.OutOfMemoryError: Java heap space'), true);
    assert.equal(reachesThreshold(oom, 'fatal', () => '{"level":60,"msg":"other"}'), false);
  });

  it("regex: (a+)+$ on 25 'a' and a '!' answers at once (linear time), and RE2 syntax works", async () => {
    const evil = await rule('regex:(a+)+$');
    const started = performance.now();
    // 25, not the 40 of the field report: a backtracking engine takes ~4 s on this one (2^25 steps), days on 40.
    assert.equal(reachesThreshold(evil, 'unknown', () => `${'a'.repeat(25)}!`), false);
    assert.equal(reachesThreshold(evil, 'unknown', () => 'a'.repeat(40)), true);
    // RE2 takes well under a millisecond; the bound is generous.
    assert.ok(performance.now() - started < 1000);
    assert.equal(reachesThreshold(await rule('regex:(?i)out of memory'), 'info', () => 'Out Of Memory: killed'), true);
    assert.equal(reachesThreshold(await rule('regex:^\\[emerg\\] \\d+#\\d+'), 'fatal', () => '[emerg] 12#12: bind() failed'), true);
    assert.equal(reachesThreshold(await rule('regex:\\bpanic\\b'), 'info', () => 'no panicking here'), false);
  });

  it('decodes the line only for a regex rule', async () => {
    let decoded = 0;
    const text = (): string => {
      decoded++;
      return 'x';
    };
    reachesThreshold(await rule('fatal'), 'fatal', text);
    reachesThreshold(await rule('error'), 'info', text);
    reachesThreshold(await rule('off'), 'fatal', text);
    assert.equal(decoded, 0);
  });
});
