import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { terminationLogTarget, writeTerminationLog } from '../../../src/observers/termination-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'termination-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('where the termination message goes', () => {
  const cases: ReadonlyArray<[string, NodeJS.ProcessEnv, Record<string, string>, ReturnType<typeof terminationLogTarget>]> = [
    ['unset: the default, only if it exists and is writable', {}, {}, { path: '/dev/termination-log', explicit: false }],
    ['named in the environment', { PODVISOR_TERMINATION_MESSAGE_PATH: '/tmp/why' }, {}, { path: '/tmp/why', explicit: true }],
    ['the flag wins', { PODVISOR_TERMINATION_MESSAGE_PATH: '/tmp/env' }, { PODVISOR_TERMINATION_MESSAGE_PATH: '/tmp/flag' }, { path: '/tmp/flag', explicit: true }],
    ['empty: none', { PODVISOR_TERMINATION_MESSAGE_PATH: '' }, {}, undefined],
    ['empty flag over a path: none', { PODVISOR_TERMINATION_MESSAGE_PATH: '/tmp/env' }, { PODVISOR_TERMINATION_MESSAGE_PATH: '' }, undefined],
    ['the default named explicitly is created if missing', { PODVISOR_TERMINATION_MESSAGE_PATH: '/dev/termination-log' }, {}, { path: '/dev/termination-log', explicit: true }],
  ];
  for (const [name, environment, flags, expected] of cases) {
    it(name, () => assert.deepEqual(terminationLogTarget(environment, flags), expected));
  }
});

describe('writing the termination message (real files)', () => {
  it('an existing default file is replaced with the message', () => {
    const path = join(dir, 'kubelet-mounted');
    writeFileSync(path, 'an older, longer message from the previous run of this container\n');
    assert.equal(writeTerminationLog({ path, explicit: false }, 'podvisor exited 0\n'), undefined);
    assert.equal(readFileSync(path, 'utf8'), 'podvisor exited 0\n');
  });

  it('a missing default is skipped without a word; a missing explicit path is created', () => {
    const missing = join(dir, 'missing');
    assert.equal(writeTerminationLog({ path: missing, explicit: false }, 'x'), undefined);
    assert.equal(existsSync(missing), false);
    assert.equal(writeTerminationLog({ path: missing, explicit: true }, 'created\n'), undefined);
    assert.equal(readFileSync(missing, 'utf8'), 'created\n');
  });

  it('a default in a directory that does not exist is skipped; an explicit one is reported', () => {
    const path = join(dir, 'no-such-dir', 'log');
    assert.equal(writeTerminationLog({ path, explicit: false }, 'x'), undefined);
    assert.equal(writeTerminationLog({ path, explicit: true }, 'x'), `cannot write the termination message to ${path} (PODVISOR_TERMINATION_MESSAGE_PATH): it does not exist`);
  });

  it('a symbolic link is never followed, default or explicit: the file it names is untouched', () => {
    const victim = join(dir, 'passwd');
    writeFileSync(victim, 'root:x:0:0\n');
    const link = join(dir, 'link');
    symlinkSync(victim, link);
    for (const explicit of [false, true]) {
      assert.equal(writeTerminationLog({ path: link, explicit }, 'pwned\n'), `cannot write the termination message to ${link} (PODVISOR_TERMINATION_MESSAGE_PATH): it is a symbolic link, which podvisor never follows`);
    }
    assert.equal(readFileSync(victim, 'utf8'), 'root:x:0:0\n');
  });

  it('a FIFO at the path: reported at once, never waited on', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    assert.match(writeTerminationLog({ path: fifo, explicit: true }, 'x') ?? '', /: it is a FIFO that nobody reads/);
    assert.match(writeTerminationLog({ path: fifo, explicit: false }, 'x') ?? '', /: it is a FIFO that nobody reads/);
    assert.ok(Date.now() - started < 1000);
  });

  it('a device is refused', () => {
    assert.match(writeTerminationLog({ path: '/dev/null', explicit: true }, 'x') ?? '', /it is a device, not a regular file/);
  });
});
