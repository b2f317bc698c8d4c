import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePrefs, readPrefs } from '../../../src/config/prefs.ts';

describe('parsePrefs', () => {
  it('reads JSON and YAML', () => {
    assert.deepEqual(parsePrefs('{"autoRestart": false}', 'p'), { ok: true, prefs: { autoRestart: false } });
    assert.deepEqual(parsePrefs('autoRestart: true\n', 'p'), { ok: true, prefs: { autoRestart: true } });
    assert.deepEqual(parsePrefs("auto_restart: false # the Darwin Streaming Server's name\n", 'p'), { ok: true, prefs: { autoRestart: false } });
    assert.deepEqual(parsePrefs('', 'p'), { ok: true, prefs: { autoRestart: undefined } });
  });
  it('rejects what it cannot use, saying why', () => {
    const bad: Array<[string, RegExp]> = [
      ['{"autoRestart": ', /neither JSON nor YAML/],
      ['[1, 2]', /must hold a mapping/],
      ['autoRestart: "sometimes"', /autoRestart="sometimes" is not valid; accepted: true \| false/],
      ['autorestart: true', /unknown keys autorestart/],
    ];
    for (const [text, expected] of bad) {
      const result = parsePrefs(text, 'prefs.yaml');
      assert.equal(result.ok, false, text);
      assert.match(result.ok ? '' : result.message, expected);
    }
  });
});

describe('readPrefs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podvisor-prefs-'));
  it('says when the file is missing or a directory', async () => {
    const missing = await readPrefs(join(dir, 'nope.yaml'));
    assert.match(missing.ok ? '' : missing.message, /does not exist/);
    const directory = await readPrefs(dir);
    assert.match(directory.ok ? '' : directory.message, /is a directory, not a file/);
  });
  it('reads a file', async () => {
    const path = join(dir, 'prefs.json');
    writeFileSync(path, '{"autoRestart": false}');
    assert.deepEqual(await readPrefs(path), { ok: true, prefs: { autoRestart: false } });
  });
});
