import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { launcherEnvironment, launchOutcome, SAVED_NODE_OPTIONS_VARIABLE, type LaunchOutcome } from '../../../src/process/terminal-launch.ts';

describe("launcherEnvironment: the server's NODE_OPTIONS travel past the launcher's Node", () => {
  it('NODE_OPTIONS is moved aside, everything else is the same', () => {
    assert.deepEqual(launcherEnvironment({ PATH: '/bin', NODE_OPTIONS: '--inspect' }), { PATH: '/bin', [SAVED_NODE_OPTIONS_VARIABLE]: '--inspect' });
  });
  it('an empty NODE_OPTIONS is kept as empty', () => {
    assert.deepEqual(launcherEnvironment({ NODE_OPTIONS: '' }), { [SAVED_NODE_OPTIONS_VARIABLE]: '' });
  });
  it('no NODE_OPTIONS: nothing added, and a stray saved value from outside is dropped', () => {
    assert.deepEqual(launcherEnvironment({ PATH: '/bin' }), { PATH: '/bin' });
    assert.deepEqual(launcherEnvironment({ PATH: '/bin', [SAVED_NODE_OPTIONS_VARIABLE]: '--stale' }), { PATH: '/bin' });
  });
});

describe("launchOutcome: what the launcher's status descriptor said by its end", () => {
  const rows: Array<[string, string, LaunchOutcome]> = [
    ['started, then nothing: the command runs (exec closed the descriptor)', 'exec\n', { ok: true, commandRan: true }],
    ['nothing at all: the launcher ended before the command (a Ctrl-C while it was in podvisor\'s group)', '', { ok: true, commandRan: false }],
    ['not found: 127, as a shell says', 'exec\nexecvp ENOENT\n', { ok: false, status: 127, code: 'ENOENT', call: 'execvp' }],
    ['not executable, or a directory: 126', 'exec\nexecvp EACCES\n', { ok: false, status: 126, code: 'EACCES', call: 'execvp' }],
    ['no process group of its own: 126', 'setpgid EPERM\n', { ok: false, status: 126, code: 'EPERM', call: 'setpgid' }],
    ['koffi would not load: 126', 'koffi ERR_DLOPEN_FAILED\n', { ok: false, status: 126, code: 'ERR_DLOPEN_FAILED', call: 'koffi' }],
  ];
  for (const [name, text, expected] of rows) it(name, () => assert.deepEqual(launchOutcome(text), expected));
});
