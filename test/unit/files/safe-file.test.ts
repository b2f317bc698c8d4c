import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeFileError, FileRefused, readHead, replaceRegularFile } from '../../../src/files/safe-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'safe-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function refusal(action: () => unknown): FileRefused {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof FileRefused, `a FileRefused, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('replaceRegularFile', () => {
  it('replaces the whole content of a regular file (a longer old content is truncated)', () => {
    const path = join(dir, 'replace');
    writeFileSync(path, 'x'.repeat(10_000));
    replaceRegularFile(path, 'short\n', { create: false });
    assert.equal(readFileSync(path, 'utf8'), 'short\n');
  });

  it('creates a missing file only when asked to', () => {
    const path = join(dir, 'created');
    assert.equal(refusal(() => replaceRegularFile(path, 'a', { create: false })).code, 'ENOENT');
    replaceRegularFile(path, 'a', { create: true });
    assert.equal(readFileSync(path, 'utf8'), 'a');
  });

  it('never writes through a symbolic link: the file it points to is untouched', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const link = join(dir, 'link');
    symlinkSync(victim, link);
    for (const create of [false, true]) {
      const refused = refusal(() => replaceRegularFile(link, 'overwritten', { create }));
      assert.equal(refused.message, 'is a symbolic link, which podvisor never follows');
    }
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  });

  it('never waits on a FIFO that nobody reads (a blocking open would wait forever)', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    assert.match(refusal(() => replaceRegularFile(fifo, 'x', { create: true })).message, /FIFO that nobody reads/);
    assert.ok(Date.now() - started < 1000);
  });

  it('refuses a device, a directory, a read-only file', () => {
    assert.equal(refusal(() => replaceRegularFile('/dev/null', 'x', { create: false })).message, 'is a device, not a regular file');
    const directory = join(dir, 'directory');
    mkdirSync(directory);
    assert.equal(refusal(() => replaceRegularFile(directory, 'x', { create: true })).message, 'is a directory, not a file');
    assert.equal(refusal(() => replaceRegularFile(join(dir, 'no-such-dir', 'file'), 'x', { create: true })).message, 'does not exist');
  });

  it('a FIFO with a reader: refused as not a regular file before anything is written', async () => {
    const fifo = join(dir, 'read-fifo');
    execFileSync('mkfifo', [fifo]);
    const cat = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    cat.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
    // The reader's open blocks until a writer comes; keep trying until our non-blocking open finds it.
    let refused: FileRefused | undefined;
    for (let tries = 0; tries < 200 && refused?.message !== 'is a FIFO (named pipe), not a regular file'; tries++) {
      refused = refusal(() => replaceRegularFile(fifo, 'must not arrive', { create: false }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(refused?.message, 'is a FIFO (named pipe), not a regular file');
    cat.kill();
    assert.equal(read, '');
  });
});

describe('readHead', () => {
  it('reads the first bytes of a regular file', () => {
    const path = join(dir, 'head');
    writeFileSync(path, '4242\nmore\n');
    assert.equal(readHead(path, 64), '4242\nmore\n');
    assert.equal(readHead(path, 4), '4242');
  });

  it('refuses a symbolic link, a FIFO and a device, without waiting', () => {
    const link = join(dir, 'head-link');
    symlinkSync('/etc/hostname', link);
    assert.equal(refusal(() => readHead(link, 64)).message, 'is a symbolic link, which podvisor never follows');
    const fifo = join(dir, 'head-fifo');
    execFileSync('mkfifo', [fifo]);
    assert.equal(refusal(() => readHead(fifo, 64)).message, 'is a FIFO (named pipe), not a regular file');
    assert.equal(refusal(() => readHead('/dev/zero', 64)).message, 'is a device, not a regular file');
  });

  it('says when a file is not readable (as root: read by a child process that runs as nobody)', () => {
    const path = join(dir, 'unreadable');
    writeFileSync(path, 'x');
    chmodSync(path, 0);
    if (process.getuid?.() !== 0) {
      assert.equal(refusal(() => readHead(path, 64)).message, 'is not accessible (permission denied)');
      return;
    }
    chmodSync(dir, 0o755);
    const module = new URL('../../../src/files/safe-file.ts', import.meta.url).href;
    const script = `import { readHead } from ${JSON.stringify(module)}; try { readHead(${JSON.stringify(path)}, 64); } catch (error) { console.log(error.message); }`;
    const output = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(output.trim(), 'is not accessible (permission denied)');
  });
});

describe('describeFileError', () => {
  const cases: ReadonlyArray<[string, string | undefined, { noFollow?: boolean; writing?: boolean }, string]> = [
    ['missing', 'ENOENT', {}, 'does not exist'],
    ['a link loop, followed', 'ELOOP', {}, 'is a loop of symbolic links'],
    ['a link, not followed', 'ELOOP', { noFollow: true }, 'is a symbolic link, which podvisor never follows'],
    ['a socket, read', 'ENXIO', {}, 'is a socket or a device without a driver, not a regular file'],
    ['a FIFO nobody reads, written', 'ENXIO', { writing: true }, 'is a FIFO that nobody reads, a socket or a device without a driver, not a regular file'],
    ['read-only file system', 'EROFS', {}, 'is on a read-only file system'],
    ['anything else names its code', 'EIO', {}, 'cannot be used (EIO)'],
  ];
  for (const [name, code, openedAs, expected] of cases) {
    it(name, () => assert.equal(describeFileError(Object.assign(new Error('x'), { code }), openedAs), expected));
  }
});
