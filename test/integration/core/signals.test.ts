import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { delay, eventually, FIXTURES, message, processExists, startPodvisor } from '../../helpers/podvisor-process.ts';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'podvisor-signals-'));
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
const recorder = join(FIXTURES, 'record-signals.sh');

describe('signals: SIGTERM and SIGQUIT', () => {
  for (const signal of ['SIGTERM', 'SIGQUIT'] as const) {
    it(`${signal}: forwarded to the server, which drains and exits; podvisor exits 0`, async () => {
      const file = join(scratch(), 'signals');
      const podvisor = startPodvisor({ command: [recorder, file], env: { PODVISOR_DRAIN_SECONDS: '0.5', PODVISOR_KILL_GRACE_MS: '100' } });
      await eventually(() => lines(file).includes('ready'), 'the server to be ready');
      podvisor.signal(signal);
      // The recorder exits 0 on TERM; on QUIT it records it and keeps running until the deadline, so use a short one.
      assert.equal(await podvisor.exited(), signal === 'SIGTERM' ? 0 : 137);
      assert.ok(lines(file).includes(signal.slice(3)));
      assert.ok(podvisor.logs.some(message('shutting down', { signal })));
    });
  }

  it('the server dies of the forwarded signal within the deadline: exit 0', async () => {
    const podvisor = startPodvisor({ command: ['sleep', '30'] });
    await podvisor.waitForLog(message('server started'));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(podvisor.logs.some(message('server ended (signal SIGTERM, stopped by podvisor)', { stoppedBy: 'podvisor' })));
  });

  it('a server that ignores SIGTERM is killed with its whole group at drain + grace: exit 137, no grandchild left', async () => {
    const pids = join(scratch(), 'pids');
    const podvisor = startPodvisor({ command: [join(FIXTURES, 'ignore-term.sh'), pids], env: { PODVISOR_DRAIN_SECONDS: '0.5', PODVISOR_KILL_GRACE_MS: '300' } });
    await eventually(() => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), 'the pids file');
    const [server, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    const sentAt = Date.now();
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 137);
    const took = Date.now() - sentAt;
    assert.ok(took >= 700 && took < 5000, `killed after ${took} ms (deadline 800 ms)`);
    assert.equal(processExists(server), false);
    assert.equal(processExists(grandchild), false, 'the grandchild went with the group');
    assert.ok(podvisor.logs.some(message('drain deadline passed: process group killed', { outcome: 'killed' })));
  });

  it('a second SIGTERM during shutdown does not restart the wait', async () => {
    const podvisor = startPodvisor({ command: [join(FIXTURES, 'slow-term.sh'), '0.6', '0'], env: { PODVISOR_DRAIN_SECONDS: '5' } });
    await podvisor.waitForLog(message('server started'));
    await delay(100);
    const sentAt = Date.now();
    podvisor.signal('SIGTERM');
    await delay(300);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(Date.now() - sentAt < 3000);
    assert.equal(podvisor.logs.filter(message('shutting down')).length, 1);
  });

  it('SIGTERM during back-off: no restart, exit 0', async () => {
    const podvisor = startPodvisor({ command: ['sh', '-c', 'exit 3'], env: { PODVISOR_RESTART_DELAY_MS: '10000', PODVISOR_RESTART_BACKOFF_MAX_MS: '10000' } });
    await podvisor.waitForLog(message('restarting the server'));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(5000), 0);
    assert.equal(podvisor.logs.filter(message('server started')).length, 1);
  });
});

describe('signals: SIGINT restarts in place; Ctrl-C twice quits', () => {
  it('SIGINT: forwarded, the server drains and is started again at once (reason sigint)', async () => {
    const file = join(scratch(), 'signals');
    const podvisor = startPodvisor({ command: [recorder, file], env: { PODVISOR_RESTART_DELAY_MS: '5000', PODVISOR_DRAIN_SECONDS: '0.3', PODVISOR_KILL_GRACE_MS: '100' } });
    await eventually(() => lines(file).includes('ready'), 'the server to be ready');
    podvisor.signal('SIGINT');
    // The recorder notes INT and keeps running: it is killed at the deadline and restarted without the 5 s delay.
    await podvisor.waitForLogs(message('server started'), 2, 4000);
    const restart = podvisor.logs.find(message('restarting the server'));
    assert.equal(restart?.['reason'], 'sigint');
    assert.equal(restart?.['delayMs'], 0);
    assert.ok(lines(file).includes('INT'));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('a second SIGINT while that restart is under way shuts podvisor down', async () => {
    const podvisor = startPodvisor({ command: [join(FIXTURES, 'slow-term.sh'), '0.5', '254'] });
    await podvisor.waitForLog(message('server started'));
    await delay(100);
    podvisor.signal('SIGINT');
    await delay(100);
    podvisor.signal('SIGINT');
    const status = await podvisor.exited();
    assert.equal(podvisor.logs.filter(message('server started')).length, 1, 'no restart');
    // The log names the signals as they came; the status is what SIGTERM alone would give (the server's 254 answers
    // podvisor's own SIGINT, so it is a clean stop).
    assert.ok(podvisor.logs.some(message('shutting down', { signal: 'SIGINT' })));
    assert.equal(status, 0);
  });
});

describe('signals: SIGHUP, the forwarded and the ignored signals', () => {
  it('SIGHUP re-reads the prefs file and is forwarded', async () => {
    const dir = scratch();
    const file = join(dir, 'signals');
    const prefs = join(dir, 'prefs.yaml');
    writeFileSync(prefs, 'autoRestart: true\n');
    const podvisor = startPodvisor({ command: [recorder, file], env: { PODVISOR_PREFS_FILE: prefs } });
    await eventually(() => lines(file).includes('ready'), 'the server to be ready');
    writeFileSync(prefs, 'autoRestart: false\n');
    podvisor.signal('SIGHUP');
    await podvisor.waitForLog(message('prefs reloaded', { autoRestart: false, trigger: 'sighup' }));
    await eventually(() => lines(file).includes('HUP'), 'SIGHUP to reach the server');
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('SIGUSR1, SIGUSR2 and SIGWINCH are forwarded; SIGPIPE and SIGALRM are ignored', async () => {
    const file = join(scratch(), 'signals');
    const podvisor = startPodvisor({ command: [recorder, file] });
    await eventually(() => lines(file).includes('ready'), 'the server to be ready');
    for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGPIPE', 'SIGALRM'] as const) {
      podvisor.signal(signal);
      await delay(50);
    }
    await eventually(() => ['USR1', 'USR2', 'WINCH'].every((name) => lines(file).includes(name)), 'the forwarded signals to arrive');
    assert.equal(podvisor.child.exitCode, null, 'podvisor is still running');
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.deepEqual(lines(file).filter((line) => line === 'PIPE' || line === 'ALRM'), []);
  });

  it('a storm of signals during restarts: supervision stays consistent', async () => {
    const state = join(scratch(), 'runs');
    const podvisor = startPodvisor({ command: [join(FIXTURES, 'exit-sequence.sh'), state, '3'], env: { PODVISOR_RESTART_DELAY_MS: '5', PODVISOR_RESTART_BACKOFF_MAX_MS: '20', PODVISOR_START_LIMIT_BURST: '0' } });
    await podvisor.waitForLogs(message('server started'), 3);
    for (let round = 0; round < 200; round += 1) {
      podvisor.signal((['SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGHUP', 'SIGPIPE', 'SIGALRM'] as const)[round % 6] as NodeJS.Signals);
      if (round % 20 === 0) await delay(5);
    }
    await delay(200);
    assert.equal(podvisor.child.exitCode, null, 'podvisor survived the storm');
    podvisor.signal('SIGTERM');
    // 0 when the SIGTERM killed the server (or met it in back-off); 3 when it met a server already exiting 3 on
    // its own: docs/supervision.md: a shutdown passes that status on, and which of the two happens is a race the test cannot pin.
    assert.ok([0, 3].includes(await podvisor.exited()));
    const started = podvisor.logs.filter(message('server started')).length;
    const ended = podvisor.logs.filter((line) => line.msg.startsWith('server ended')).length;
    assert.equal(started, ended, 'every server that started was seen to end');
  });
});

describe('the process group of a server that ended', () => {
  it('leftovers that ignore SIGTERM are killed at the deadline before the server is started again', async () => {
    const dir = scratch();
    const pids = join(dir, 'grandchildren');
    const podvisor = startPodvisor({
      // The first run leaves a grandchild that ignores SIGTERM and exits 3; the second run just sleeps.
      command: ['sh', '-c', `[ -f ${pids} ] && exec sleep 30; trap '' TERM; sleep 1000 & echo $! >> ${pids}; exit 3`],
      env: { PODVISOR_DRAIN_SECONDS: '0.3', PODVISOR_KILL_GRACE_MS: '100', PODVISOR_RESTART_DELAY_MS: '10' },
    });
    await podvisor.waitForLogs(message('server started'), 2);
    const first = Number(lines(pids)[0]);
    assert.equal(processExists(first), false, 'the first run left nothing behind');
    assert.ok(podvisor.logs.some(message("the server's leftover processes were killed at the deadline")));
    assert.ok(!podvisor.logs.some((line) => line.msg === 'server drained' || line.msg.startsWith('drain deadline')), 'a cleanup is not a drain');
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});
