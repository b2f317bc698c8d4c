import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, delay, eventually, freePort, message, startPodvisor } from '../helpers/podvisor-process.ts';
import { linesOf, LONG, metricValue, restartLoopEnv, scrape, zombieChildren } from './proc.ts';

const DURATION_MS = LONG ? 120_000 : 15_000;
const dir = mkdtempSync(join(tmpdir(), 'rel-kills-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`SIGKILL of the server at random moments for ${DURATION_MS / 1000} s`, { timeout: DURATION_MS + 120_000 }, () => {
  it('always restarts it, and the restart count and metrics match the kills', async () => {
    const runs = join(dir, 'runs');
    const port = await freePort();
    const podvisor = startPodvisor({
      command: [join(FIXTURES, 'rel-count.sh'), runs, '0'],
      env: restartLoopEnv(port),
    });
    try {
      let kills = 0;
      const deadline = Date.now() + DURATION_MS;
      while (Date.now() < deadline) {
        // Each server writes its pid first thing; kill the newest one at a random moment of its life,
        // from right after its start (0 ms: while the shell is still exec'ing sleep) to 300 ms in.
        await eventually(() => linesOf(runs).length === kills + 1, `server run ${kills + 1}`, 20_000);
        await delay(Math.random() < 0.3 ? 0 : Math.random() * 300);
        const pid = Number(linesOf(runs)[kills]);
        process.kill(pid, 'SIGKILL');
        kills += 1;
        assert.equal(podvisor.child.exitCode, null, 'podvisor is still running');
      }
      // The last kill is followed by a restart too.
      await eventually(() => linesOf(runs).length === kills + 1, 'the server after the last kill', 20_000);
      await podvisor.waitForLogs(message('server started'), kills + 1, 20_000);
      process.stderr.write(`random kills: ${kills} kills in ${DURATION_MS / 1000} s\n`);

      assert.equal(linesOf(runs).length, kills + 1, 'one start per kill, plus the first');
      assert.equal(podvisor.logs.filter(message('restarting the server')).length, kills, 'one restart logged per kill');
      assert.equal(podvisor.logs.filter(message('server ended (signal SIGKILL)')).length, kills, 'every end seen as a SIGKILL');
      const metrics = await scrape(port);
      assert.equal(metricValue(metrics, 'podvisor_server_restarts_total', { reason: 'signal' }), kills, 'podvisor_server_restarts_total{reason="signal"}');
      assert.equal(metricValue(metrics, 'podvisor_server_restarts_total'), kills, 'no restart of another reason');
      assert.equal(metricValue(metrics, 'podvisor_server_exits_total', { signal: 'SIGKILL' }), kills, 'podvisor_server_exits_total{signal="SIGKILL"}');
      assert.equal(metricValue(metrics, 'podvisor_server_up'), 1);
      await eventually(() => zombieChildren(podvisor.pid).length === 0, 'no zombie child of podvisor', 5000);

      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
    } finally {
      podvisor.kill();
    }
  });
});
