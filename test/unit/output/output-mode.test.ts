import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLogRule } from '../../../src/config/log-rule.ts';
import { outputMode } from '../../../src/output/create-server-output.ts';

describe('outputMode (what each setting costs)', () => {
  const cases = [
    ['fatal', 9464, 'pipe'],
    ['fatal', 0, 'pipe'],
    ['error', 0, 'pipe'],
    ['regex:boom', 0, 'pipe'],
    ['off', 9464, 'pipe'],
    ['off', 0, 'inherit'],
  ] as const;
  for (const [rule, httpPort, mode] of cases) {
    it(`PODVISOR_RESTART_ON_LOG=${rule} PODVISOR_HTTP_PORT=${httpPort} → ${mode}`, () => {
      assert.equal(outputMode({ restartOnLog: parseLogRule(rule), httpPort }), mode);
    });
  }
});
