import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, delay, eventually, message, startPodvisor } from '../helpers/podvisor-process.ts';
import { LONG, linesOf, zombieChildren } from './proc.ts';

const STORM_MS = LONG ? 60_000 : 8_000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGWINCH'];
const dir = mkdtempSync(join(tmpdir(), 'rel-storm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`a storm of forwarded signals during restarts (${STORM_MS / 1000} s)`, { timeout: STORM_MS + 60_000 }, () => {
  it('podvisor keeps supervising, forwards them, and still shuts down cleanly', async () => {
    const received = join(dir, 'received');
    const podvisor = startPodvisor({
      // Runs 0.1 s and exits 1, over and over; a signal that lands before its traps are set ends it early.
      command: [join(FIXTURES, 'rel-flaky.sh'), received],
      env: { PODVISOR_LOG_LEVEL: 'info', PODVISOR_RESTART_DELAY_MS: '0', PODVISOR_START_LIMIT_BURST: '0' },
    });
    try {
      await podvisor.waitForLog(message('server started'));
      let sent = 0;
      const deadline = Date.now() + STORM_MS;
      while (Date.now() < deadline) {
        // Bursts of 20 signals back to back, then a breath: thousands over the storm.
        for (let i = 0; i < 20; i++) {
          podvisor.signal(SIGNALS[sent % SIGNALS.length] as NodeJS.Signals);
          sent += 1;
        }
        await delay(5);
        assert.equal(podvisor.child.exitCode, null, `podvisor died during the storm: ${podvisor.stderr().slice(-2000)}`);
      }
      const restartsDuringStorm = podvisor.logs.filter(message('restarting the server')).length;
      process.stderr.write(`signal storm: ${sent} signals sent, ${linesOf(received).length} recorded by servers, ${restartsDuringStorm} restarts\n`);
      assert.ok(restartsDuringStorm >= STORM_MS / 1000, `restarts went on during the storm (${restartsDuringStorm})`);
      assert.ok(linesOf(received).length > 0, 'signals reached the servers');
      // After the storm it keeps going: more restarts come.
      await podvisor.waitForLogs(message('restarting the server'), restartsDuringStorm + 3, 20_000);
      const starts = podvisor.logs.filter(message('server started')).length;
      const restarts = podvisor.logs.filter(message('restarting the server')).length;
      assert.ok(starts === restarts || starts === restarts + 1, `every restart is followed by one start (${restarts} restarts, ${starts} starts)`);
      assert.ok(!podvisor.logs.some((line) => line.level >= 50), 'nothing logged at error level');
      await eventually(() => zombieChildren(podvisor.pid).length === 0, 'no zombie child of podvisor', 5000);

      podvisor.signal('SIGTERM');
      // 0, or 1 when the SIGTERM met a server already exiting 1 on its own (docs/supervision.md: a shutdown passes that status on).
      assert.ok([0, 1].includes(await podvisor.exited(15_000)));
    } finally {
      podvisor.kill();
    }
  });
});
