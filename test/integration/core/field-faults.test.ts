// Faults found by running podvisor against public failure reports of other inits and supervisors (tini,
// dumb-init, s6-overlay, supervisord, moby): each input is a test (docs/supervision.md).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { childrenOf, startAsPid1 } from '../../helpers/pid1.ts';
import { eventually, FIXTURES, freePort, message, processExists, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const running: RunningPodvisor[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'podvisor-field-'));
after(async () => {
  await stopAll(running);
  rmSync(scratch, { recursive: true, force: true });
});

function start(options: Parameters<typeof startPodvisor>[0]): RunningPodvisor {
  const podvisor = startPodvisor(options);
  running.push(podvisor);
  return podvisor;
}

async function json(port: number, path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as Record<string, unknown>;
}

describe('signals never raced', () => {
  it('SIGINT then SIGTERM 0–2 ms later, to a server that answers SIGINT with 254 (and SIGTERM with 0): podvisor exits 0 every time', async () => {
    // Whether the SIGTERM meets the server that got the SIGINT or, on a loaded machine, the one restarted after it,
    // the outcome is what SIGTERM alone gives: 0.
    const server = 'trap "exit 254" INT; trap "exit 0" TERM; while :; do sleep 1 & wait $!; done';
    for (const gapMs of [0, 0, 1, 1, 2, 2, 0, 1, 2, 0]) {
      const podvisor = start({ command: ['sh', '-c', server] });
      await podvisor.waitForLog(message('server started'));
      await delay(50);
      podvisor.signal('SIGINT');
      if (gapMs > 0) await delay(gapMs);
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0, `SIGTERM ${gapMs} ms after SIGINT`);
    }
  });

  it('Ctrl-C twice quits within 3 s whatever the restart\'s progress (1 s apart, the new server already running); logged as SIGINT', async () => {
    const podvisor = start({ command: ['sleep', '1000'] });
    await podvisor.waitForLog(message('server started'));
    podvisor.signal('SIGINT');
    await podvisor.waitForLogs(message('server started'), 2);
    await delay(1000);
    podvisor.signal('SIGINT');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(podvisor.logs.some(message('shutting down', { signal: 'SIGINT' })));
    assert.equal(podvisor.logs.filter(message('server started')).length, 2, 'one restart, then quit');
  });

  it('two SIGINTs 3.5 s apart are two restarts', async () => {
    const podvisor = start({ command: ['sleep', '1000'] });
    await podvisor.waitForLog(message('server started'));
    podvisor.signal('SIGINT');
    await podvisor.waitForLogs(message('server started'), 2);
    await delay(3500);
    podvisor.signal('SIGINT');
    await podvisor.waitForLogs(message('server started'), 3);
    assert.equal(podvisor.child.exitCode, null);
  });
});

describe('a stopped server', () => {
  it('is not ready, and a SIGTERM continues it (SIGCONT after the stop signal) so that its handler runs: exit 0', async () => {
    const file = join(scratch, 'stopped-signals');
    const httpPort = await freePort();
    const podvisor = start({ command: [join(FIXTURES, 'record-signals.sh'), file], env: { PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_HTTP_HOST: '127.0.0.1' } });
    const started = await podvisor.waitForLog(message('server started'));
    await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('ready'), 'the server to be ready');
    process.kill(Number(started['serverPid']), 'SIGSTOP');
    await podvisor.waitForLog(message('the server is stopped (SIGSTOP): not ready'));
    const readyz = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    assert.equal(readyz.status, 503);
    assert.match(await readyz.text(), /stopped \(SIGSTOP\)/);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(10_000), 0, 'the trap ran and exited 0: not SIGKILLed at the deadline');
    assert.ok(readFileSync(file, 'utf8').includes('TERM'));
  });
});

describe("the record says what the server did and what podvisor did", () => {
  it('an exit of its own and a stop by podvisor are told apart in /status, the exit counter and the restart cause', async () => {
    const httpPort = await freePort();
    const counter = join(scratch, 'record-count');
    // First run: exits 1 on its own. Second run: sleeps until podvisor stops it.
    const podvisor = start({
      command: ['sh', '-c', `if [ -f ${counter} ]; then exec sleep 1000; fi; touch ${counter}; exit 1`],
      env: { PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_HTTP_HOST: '127.0.0.1' },
    });
    const restart = await podvisor.waitForLog(message('restarting the server'));
    assert.equal(restart['cause'], 'exit code 1');
    await podvisor.waitForLogs(message('server started'), 2);
    const status = await json(httpPort, '/status');
    assert.deepEqual(status['lastExit'], { code: 1, signal: null, description: 'exit code 1' });
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    assert.match(metrics, /^podvisor_server_exits_total\{code="1",signal="",stopped_by="none"\} 1$/m);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(podvisor.logs.some(message('server ended (signal SIGTERM, stopped by podvisor)', { stoppedBy: 'podvisor' })));
  });
});

describe('SIGHUP and the prefs file', () => {
  it('a prefs change takes effect with no signal: the file is watched (also a ConfigMap-style symlink swap)', async () => {
    const directory = mkdtempSync(join(scratch, 'prefs-'));
    // A ConfigMap volume: prefs.yaml → ..data/prefs.yaml, ..data → a timestamped directory, swapped atomically.
    const writeVersion = (name: string, autoRestart: boolean): void => {
      const version = join(directory, name);
      mkdirSync(version);
      writeFileSync(join(version, 'prefs.yaml'), `autoRestart: ${autoRestart}\n`);
      symlinkSync(name, join(directory, '..data_tmp'));
      renameSync(join(directory, '..data_tmp'), join(directory, '..data'));
    };
    writeVersion('..2026_01', true);
    symlinkSync('..data/prefs.yaml', join(directory, 'prefs.yaml'));
    const podvisor = start({ command: ['sleep', '1000'], env: { PODVISOR_PREFS_FILE: join(directory, 'prefs.yaml') } });
    await podvisor.waitForLog(message('server started'));
    writeVersion('..2026_02', false);
    const reloaded = await podvisor.waitForLog(message('prefs reloaded', { trigger: 'file_changed' }));
    assert.equal(reloaded['autoRestart'], false);
    assert.equal(podvisor.child.exitCode, null, 'no signal was needed, and none went to the server');
  });

  it('PODVISOR_SIGHUP=reload: SIGHUP re-reads the prefs and is not passed to a server that would die of it', async () => {
    const port = await freePort();
    const podvisor = start({ command: ['python3', '-m', 'http.server', '--bind', '127.0.0.1', String(port)], env: { PODVISOR_SIGHUP: 'reload' } });
    await podvisor.waitForLog(message('server started'));
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.status === 200, 'python serving');
    podvisor.signal('SIGHUP');
    await podvisor.waitForLog(message('no prefs file to re-read (PODVISOR_PREFS_FILE is not set): autoRestart stays as set', { trigger: 'sighup' }));
    await delay(300);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200, 'python still serves');
    assert.equal(podvisor.logs.filter(message('server started')).length, 1);
  });

  it('PODVISOR_SIGHUP=forward (the default, as tini): SIGHUP reaches the server', async () => {
    const file = join(scratch, 'hup-signals');
    const podvisor = start({ command: [join(FIXTURES, 'record-signals.sh'), file] });
    await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('ready'), 'the server to be ready');
    podvisor.signal('SIGHUP');
    await eventually(() => readFileSync(file, 'utf8').includes('HUP'), 'SIGHUP to reach the server');
  });
});

describe('processes podvisor cannot or must not leave behind', () => {
  it("a zombie outside podvisor's reach never blocks a restart or SIGTERM past the deadline", async () => {
    // The server's child forks a grandchild (in the server's process group), calls setsid() and never reaps it: the
    // grandchild's zombie stays in the server's group, its parent is not podvisor. Then the server exits 3.
    const script = `sh -c '(sleep 0.1; exit 0) & exec setsid sleep 1000' & sleep 0.5; exit 3`;
    const podvisor = start({ command: ['sh', '-c', script], env: { PODVISOR_RESTART_DELAY_MS: '0', PODVISOR_DRAIN_SECONDS: '0.5', PODVISOR_KILL_GRACE_MS: '200' } });
    await podvisor.waitForLogs(message('server started'), 2, 10_000);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(10_000), 0);
  });

  it('not as PID 1: a process that escaped the group gets the stop signal, then SIGKILL; podvisor leaves nothing behind', async () => {
    const pidFile = join(scratch, 'escaped-pid');
    const script = `setsid sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 1000' & exec sleep 1000`;
    const podvisor = start({ command: ['sh', '-c', script], env: { PODVISOR_DRAIN_SECONDS: '0.5', PODVISOR_KILL_GRACE_MS: '200' } });
    await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the escaped process to start');
    const escaped = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(processExists(escaped));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(10_000), 0);
    assert.equal(processExists(escaped), false, 'the escaped process is gone');
    assert.ok(podvisor.logs.some((line) => line.msg === "processes that left the server's process group were signalled"));
  });

  it('a hung server and a hung escaped process are killed at one deadline, not one after the other', async () => {
    // Field: the escaped process's countdown began again at the server's end: 3.1 s for a 1.5 s deadline, which in a
    // pod can run past the grace period.
    const pidFile = join(scratch, 'escaped-hung-pid');
    const script = `trap '' TERM; setsid sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 1000' & exec sleep 1000`;
    const podvisor = start({ command: ['sh', '-c', script], env: { PODVISOR_DRAIN_SECONDS: '1', PODVISOR_KILL_GRACE_MS: '500' } });
    await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the escaped process to start');
    const escaped = Number(readFileSync(pidFile, 'utf8').trim());
    const asked = Date.now();
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(10_000), 137);
    const seconds = (Date.now() - asked) / 1000;
    assert.ok(seconds < 2.6, `podvisor ended ${seconds.toFixed(2)} s after SIGTERM; the deadline is 1.5 s`);
    assert.equal(processExists(escaped), false, 'the escaped process is gone');
  });

  it('as PID 1: the escaped process gets SIGTERM (not only the kernel\'s SIGKILL when PID 1 exits)', async () => {
    const marker = join(scratch, 'escaped-term');
    const script = `setsid sh -c 'trap "echo TERM > ${marker}; exit 0" TERM; while :; do sleep 1; done' & exec sleep 1000`;
    const podvisor = await startAsPid1({ command: ['sh', '-c', script] });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    await delay(500);
    process.kill(podvisor.pid1, 'SIGTERM');
    assert.equal(await podvisor.exited(10_000), 0);
    assert.equal(readFileSync(marker, 'utf8').trim(), 'TERM');
    assert.deepEqual(childrenOf(podvisor.pid), []);
  });

  it('leftover workers SIGKILLed at the deadline after the server itself exited 0 in time: podvisor exits 0, and says it', async () => {
    const script = `(trap '' TERM; exec sleep 1000) & trap 'exit 0' TERM; while :; do sleep 1; done`;
    const podvisor = start({ command: ['sh', '-c', script], env: { PODVISOR_DRAIN_SECONDS: '0.3', PODVISOR_KILL_GRACE_MS: '200' } });
    await podvisor.waitForLog(message('server started'));
    await delay(300);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(podvisor.logs.some(message('drain deadline passed: process group killed')));
  });
});
