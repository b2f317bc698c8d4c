import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually, FIXTURES, message, startPodvisor } from '../../helpers/podvisor-process.ts';

const sequence = join(FIXTURES, 'exit-sequence.sh');
const scratch = (): string => mkdtempSync(join(tmpdir(), 'podvisor-exit-'));
const runs = (state: string): number => Number(readFileSync(state, 'utf8').trim());

describe('the exit-code protocol: what ends the server, and what podvisor does next (dss)', () => {
  it('exits 0 → podvisor exits 0 without restarting', async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [sequence, state, '0'] });
    assert.equal(await podvisor.exited(), 0);
    assert.equal(runs(state), 1);
  });

  it("exits 255 (the Darwin Streaming Server's exit(-1)) → no restart, podvisor exits 255", async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [sequence, state, '255'] });
    assert.equal(await podvisor.exited(), 255);
    assert.equal(runs(state), 1);
  });

  it("exits 254 (the Darwin Streaming Server's exit(-2)) and other codes → restarted, reason exit_code", async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [sequence, state, '254', '3', '0'] });
    assert.equal(await podvisor.exited(), 0);
    assert.equal(runs(state), 3);
    const restarts = podvisor.logs.filter(message('restarting the server'));
    assert.deepEqual(restarts.map((line) => [line['reason'], line['cause']]), [['exit_code', 'exit code 254'], ['exit_code', 'exit code 3']]);
  });

  it('killed by a signal → restarted, reason signal', async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [sequence, state, 'sig:KILL', 'sig:SEGV', '0'] });
    assert.equal(await podvisor.exited(), 0);
    assert.equal(runs(state), 3);
    assert.deepEqual(podvisor.logs.filter(message('restarting the server')).map((line) => line['cause']), ['signal SIGKILL', 'signal SIGSEGV']);
  });
});

describe('the other policies and exit statuses', () => {
  it('never: the exit status passes through, 128+N for a signal', async () => {
    for (const [code, expected] of [['7', 7], ['sig:TERM', 143], ['sig:KILL', 137]] as const) {
      const state = join(scratch(), 'runs');
      const podvisor = startPodvisor({ command: [sequence, state, code], env: { PODVISOR_RESTART_POLICY: 'never' } });
      assert.equal(await podvisor.exited(), expected, code);
      assert.equal(runs(state), 1);
    }
  });

  it('always: restarts even after exit 0', async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [sequence, state, '0', '0', 'run:30'], env: { PODVISOR_RESTART_POLICY: 'always' } });
    await podvisor.waitForLogs(message('server started'), 3);
    await eventually(() => existsSync(state) && runs(state) === 3, 'the third run to begin');
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.equal(runs(state), 3);
  });

  it('on-failure: restarts after 255, stops after 0', async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [sequence, state, '255', '0'], env: { PODVISOR_RESTART_POLICY: 'on-failure' } });
    assert.equal(await podvisor.exited(), 0);
    assert.equal(runs(state), 2);
  });
});

describe('the prefs file (the Darwin Streaming Server re-reads auto_restart before every restart)', () => {
  it('autoRestart false: podvisor exits with the server status instead of restarting', async () => {
    const dir = scratch();
    const prefs = join(dir, 'prefs.yaml');
    writeFileSync(prefs, 'autoRestart: false\n');
    const podvisor = startPodvisor({ command: [sequence, join(dir, 'runs'), '3'], env: { PODVISOR_PREFS_FILE: prefs } });
    assert.equal(await podvisor.exited(), 3);
    assert.equal(runs(join(dir, 'runs')), 1);
  });

  it('a change between two restarts is honoured at the next one', async () => {
    const dir = scratch();
    const prefs = join(dir, 'prefs.json');
    writeFileSync(prefs, '{"autoRestart": true}');
    // Each run lasts 0.3 s then exits 3; the file is changed while the second run is under way.
    const podvisor = startPodvisor({ command: ['sh', '-c', `${sequence} ${join(dir, 'runs')} 0 >/dev/null; sleep 0.3; exit 3`], env: { PODVISOR_PREFS_FILE: prefs } });
    await podvisor.waitForLogs(message('server started'), 2);
    writeFileSync(prefs, '{"autoRestart": false}');
    assert.equal(await podvisor.exited(), 3);
    assert.equal(runs(join(dir, 'runs')), 2);
    // The file is watched: the change is seen when it is made (file_changed), or at the latest before the restart.
    assert.ok(podvisor.logs.some((line) => line.msg === 'prefs reloaded' && line['autoRestart'] === false && ['file_changed', 'restart'].includes(String(line['trigger']))));
  });

  it('a prefs file that turns invalid at run time is reported and the last good prefs are kept', async () => {
    const dir = scratch();
    const prefs = join(dir, 'prefs.json');
    writeFileSync(prefs, '{"autoRestart": true}');
    const podvisor = startPodvisor({ command: [sequence, join(dir, 'runs'), 'run:0.2', 'run:0.2', '0'], env: { PODVISOR_PREFS_FILE: prefs, PODVISOR_RESTART_POLICY: 'always' } });
    await podvisor.waitForLog(message('server started'));
    writeFileSync(prefs, '{"autoRestart": tru');
    await podvisor.waitForLogs(message('server started'), 3);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    const warning = podvisor.logs.find((line) => /neither JSON nor YAML.*; keeping the last good prefs \(autoRestart=true\)/.test(line.msg));
    assert.ok(warning, 'the bad prefs are reported');
  });

  it('a prefs file that goes missing, then becomes a directory, is reported and the last good prefs are kept', async () => {
    const dir = scratch();
    const prefs = join(dir, 'prefs.json');
    writeFileSync(prefs, '{"autoRestart": true}');
    // Without the file, PODVISOR_AUTO_RESTART=false would apply: a restart proves the last good prefs were kept.
    const podvisor = startPodvisor({
      command: [sequence, join(dir, 'runs'), 'run:0.3', 'run:0.3', 'run:30'],
      env: { PODVISOR_PREFS_FILE: prefs, PODVISOR_AUTO_RESTART: 'false', PODVISOR_RESTART_POLICY: 'always' },
    });
    await podvisor.waitForLog(message('server started'));
    unlinkSync(prefs);
    await podvisor.waitForLogs(message('server started'), 2);
    mkdirSync(prefs);
    await podvisor.waitForLogs(message('server started'), 3);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    const kept = (why: RegExp): boolean => podvisor.logs.some((line) => why.test(line.msg) && /keeping the last good prefs \(autoRestart=true\)/.test(line.msg));
    assert.ok(kept(/does not exist/), 'the missing file is reported');
    assert.ok(kept(/is a directory, not a file/), 'the directory is reported');
  });
});
