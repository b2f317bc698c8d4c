import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parsePrefs, PREFS_MAX_BYTES, readPrefs, type PrefsResult } from '../../../src/config/prefs.ts';

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

describe('parsePrefs: a file of many unknown keys is named in a bounded line', () => {
  it('names the first 10 and counts the rest (field: 6,500 keys made a 76 KB warning)', () => {
    const text = Array.from({ length: 300 }, (_, index) => `k${index}: ${index}`).join('\n');
    const result = parsePrefs(text, '/p.yaml');
    assert.ok(!result.ok);
    assert.equal(result.message, 'prefs file /p.yaml has unknown keys k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 290 more; accepted: autoRestart (or auto_restart)');
  });
});

describe('readPrefs: only a regular file, at most 4 KiB, and never a read that blocks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podvisor-prefs-kinds-'));
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  after(() => {
    // Should a read still wait on the FIFO, a writer that comes and goes lets it end so the file can exit.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // No reader waiting: nothing to release.
    }
  });

  /** readPrefs, or a failure after 3 s: a read that blocks must fail the test, not hang it. */
  const readWithin = (path: string): Promise<PrefsResult> =>
    Promise.race([readPrefs(path), new Promise<PrefsResult>((resolve) => setTimeout(() => resolve({ ok: false, message: 'the read blocked for 3 s' }), 3000).unref())]);

  const refused: Array<[string, () => string, RegExp]> = [
    ['a FIFO (no writer)', () => fifo, /prefs file .*fifo\.yaml is a FIFO \(named pipe\), not a regular file/],
    ['a symbolic link to /dev/zero', () => {
      const path = join(dir, 'zero.yaml');
      symlinkSync('/dev/zero', path);
      return path;
    }, /prefs file .*zero\.yaml is a device, not a regular file/],
    ['/dev/zero itself', () => '/dev/zero', /prefs file \/dev\/zero is a device/],
    ['a 1 GB file (sparse)', () => {
      const path = join(dir, 'huge.yaml');
      writeFileSync(path, '');
      truncateSync(path, 1024 * 1024 * 1024);
      return path;
    }, /prefs file .*huge\.yaml is larger than 4096 bytes/],
    ['a file one byte over 4 KiB', () => {
      const path = join(dir, 'over.yaml');
      writeFileSync(path, `autoRestart: true\n#${'x'.repeat(PREFS_MAX_BYTES - 'autoRestart: true\n#'.length)}\n`);
      return path;
    }, /is larger than 4096 bytes/],
    ['a loop of symbolic links', () => {
      const path = join(dir, 'loop.yaml');
      symlinkSync(path, path);
      return path;
    }, /is a loop of symbolic links/],
  ];
  for (const [name, make, expected] of refused) {
    it(`refuses ${name}, naming the path`, async () => {
      const result = await readWithin(make());
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.message, expected);
    });
  }

  it('refuses a Unix socket, naming the path', async () => {
    const path = join(dir, 'socket.yaml');
    const server = createServer().listen(path);
    await once(server, 'listening');
    try {
      const result = await readWithin(path);
      assert.match(result.ok ? '' : result.message, /prefs file .*socket\.yaml is (a socket|a socket or a device)/);
    } finally {
      server.close();
    }
  });

  it('reads a file of exactly 4 KiB, and a regular file through a symbolic link (as a ConfigMap mounts it)', async () => {
    const path = join(dir, 'full.yaml');
    writeFileSync(path, `autoRestart: false\n#${'x'.repeat(PREFS_MAX_BYTES - 'autoRestart: false\n#'.length - 1)}\n`);
    assert.deepEqual(await readWithin(path), { ok: true, prefs: { autoRestart: false } });
    const link = join(dir, 'link.yaml');
    symlinkSync(path, link);
    assert.deepEqual(await readWithin(link), { ok: true, prefs: { autoRestart: false } });
  });
});
