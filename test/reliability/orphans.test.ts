import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, message, startPodvisor } from '../helpers/podvisor-process.ts';

/** podvisor as PID 1 of a fresh PID namespace, as in a container (see test/integration/core/pid1.test.ts). */
const AS_PID_1 = ['unshare', '--pid', '--fork', '--mount-proc'];
const ORPHANS = 1000;

describe(`${ORPHANS} orphans created at once under podvisor as PID 1`, { timeout: 120_000 }, () => {
  it('reaps them all and still sees the server exit status', async () => {
    const podvisor = startPodvisor({
      wrapper: AS_PID_1,
      command: [join(FIXTURES, 'rel-orphans.sh'), String(ORPHANS), '7', '2'],
      env: { PODVISOR_RESTART_POLICY: 'never', PODVISOR_LOG_LEVEL: 'debug' },
    });
    try {
      const started = await podvisor.waitForLog(message('server started'));
      assert.equal(started['pid'], 1, 'podvisor runs as PID 1');
      // Mid-way, while the orphans die together: nothing of them lingers as a zombie under PID 1.
      await podvisor.waitForLogs(message('orphan reaped'), ORPHANS, 60_000);
      assert.equal(await podvisor.exited(60_000), 7, "the server's own exit status");
      assert.equal(podvisor.logs.filter(message('orphan reaped')).length, ORPHANS, 'each orphan reaped exactly once');
      assert.ok(podvisor.logs.some(message('server ended (exit code 7)')));
      assert.ok(!podvisor.logs.some((line) => line.level >= 50), `no error logged: ${podvisor.stderr().slice(-2000)}`);
    } finally {
      podvisor.kill();
    }
  });

  it('leaves no zombie while the orphans come and go', async () => {
    const podvisor = startPodvisor({
      wrapper: AS_PID_1,
      command: [join(FIXTURES, 'rel-orphans.sh'), String(ORPHANS), '0', '3'],
      env: { PODVISOR_RESTART_POLICY: 'never', PODVISOR_LOG_LEVEL: 'debug' },
    });
    try {
      await podvisor.waitForLogs(message('orphan reaped'), ORPHANS, 60_000);
      // unshare's child is podvisor (PID 1 inside); look at its children from outside the namespace.
      const pid1 = Number(execFileSync('pgrep', ['-P', String(podvisor.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
      const children = execFileSync('ps', ['-o', 'pid=,stat=', '--ppid', String(pid1)], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(children.filter((line) => / Z/.test(line)), [], 'no zombie under PID 1');
      assert.equal(await podvisor.exited(60_000), 0);
    } finally {
      podvisor.kill();
    }
  });
});
