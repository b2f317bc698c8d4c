import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, FIXTURES, freePort, message, NODE, startPodvisor, type RunningPodvisor } from '../../helpers/podvisor-process.ts';
import { get, promtoolCheck, sample } from './obs-http.ts';

const SERVER = [NODE, join(FIXTURES, 'obs-server.mjs')];
const running: RunningPodvisor[] = [];
after(() => {
  for (const podvisor of running) podvisor.kill();
});

function serversUp(podvisor: RunningPodvisor): number {
  return podvisor.stdout().split('\n').filter((line) => line.startsWith('obs-server up')).length;
}

async function stateOf(port: number): Promise<string> {
  return (JSON.parse((await get(port, '/status')).body) as { state: string }).state;
}

/** Checks /readyz, /healthz and /metrics (promtool, one-hot) in `state`. */
async function expectProbes(port: number, state: string, ready: boolean): Promise<string> {
  const readiness = await get(port, '/readyz');
  assert.equal(readiness.status, ready ? 200 : 503, `readyz in ${state}`);
  assert.match(readiness.body, new RegExp(`\\b${state}\\b`));
  assert.equal((await get(port, '/healthz')).status, 200, `healthz in ${state}`);
  const metrics = await get(port, '/metrics');
  assert.equal(metrics.status, 200);
  const check = promtoolCheck(metrics.body);
  assert.equal(check.status, 0, `promtool check metrics in ${state}: ${check.output}`);
  assert.equal(sample(metrics.body, `podvisor_server_state{state="${state}"}`), 1, `one-hot ${state}`);
  return metrics.body;
}

describe('readiness, health and metrics through the states of a real podvisor', () => {
  it('starting → running → backoff → starting → running → shutting_down (readiness fails at SIGTERM)', async () => {
    const [httpPort, readyPort] = [await freePort(), await freePort()];
    const podvisor = startPodvisor({
      command: SERVER,
      env: {
        PODVISOR_HTTP_PORT: String(httpPort),
        PODVISOR_HTTP_HOST: '127.0.0.1',
        PODVISOR_READINESS: `tcp:${readyPort}`,
        PODVISOR_READINESS_TIMEOUT_MS: '0',
        PODVISOR_RESTART_DELAY_MS: '1500',
        OBS_READY_PORT: String(readyPort),
        OBS_DRAIN_MS: '1500',
      },
    });
    running.push(podvisor);

    await eventually(async () => serversUp(podvisor) === 1 && (await stateOf(httpPort).catch(() => '')) === 'starting', 'the first server in starting');
    await expectProbes(httpPort, 'starting', false);

    podvisor.signal('SIGUSR1');
    await eventually(async () => (await stateOf(httpPort)) === 'running', 'running');
    const runningMetrics = await expectProbes(httpPort, 'running', true);
    assert.equal(sample(runningMetrics, 'podvisor_server_up'), 1);

    podvisor.signal('SIGUSR2');
    await eventually(async () => (await stateOf(httpPort)) === 'backoff', 'backoff');
    const backoff = await expectProbes(httpPort, 'backoff', false);
    assert.equal(sample(backoff, 'podvisor_server_up'), 0);
    assert.equal(sample(backoff, 'podvisor_restart_backoff_seconds'), 1.5);
    assert.equal(sample(backoff, 'podvisor_server_restarts_total{reason="exit_code"}'), 1);
    assert.equal(sample(backoff, 'podvisor_server_exits_total{code="3",signal="",stopped_by="none"}'), 1);

    await eventually(async () => serversUp(podvisor) === 2 && (await stateOf(httpPort)) === 'starting', 'the second server in starting', 15000);
    await expectProbes(httpPort, 'starting', false);
    podvisor.signal('SIGUSR1');
    await eventually(async () => (await stateOf(httpPort)) === 'running', 'running again');

    // The state changes in the turn that handles the signal, before the server has been told: no answer after
    // that is "ready". A request sent right after kill(2) may still be read before the signal is (one turn of
    // podvisor's event loop), so the test asks until the first "not ready", which must come at once.
    podvisor.signal('SIGTERM');
    let shutting = await get(httpPort, '/readyz');
    for (let asked = 1; shutting.status === 200 && asked < 20; asked += 1) shutting = await get(httpPort, '/readyz');
    assert.equal(shutting.status, 503);
    assert.equal(shutting.body, 'not ready: shutting_down\n');
    const drainMetrics = await expectProbes(httpPort, 'shutting_down', false);
    assert.equal(sample(drainMetrics, 'podvisor_server_up'), 1, 'the server still drains');
    assert.equal(await podvisor.exited(), 0);
  });
});

describe('the HTTP port setting', () => {
  it('a port in use ends podvisor with exit 2 and an error naming the port, the spawned server stopped gracefully', async () => {
    const occupant = createServer().listen(0, '127.0.0.1');
    await once(occupant, 'listening');
    const port = (occupant.address() as { port: number }).port;
    try {
      const podvisor = startPodvisor({ command: SERVER, env: { PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
      running.push(podvisor);
      assert.equal(await podvisor.exited(), 2);
      const error = await podvisor.waitForLog((line) => line.level === 50 && String(line.msg).includes(`port ${port} is already in use`));
      assert.equal(error.port, port);
      // The fixture ends with 0 on SIGTERM: it was asked to stop, not killed.
      // Asked to stop, not killed: it ends by its handler (exit 0) or, if it had none yet, of the stop signal.
      await podvisor.waitForLog((line) => /^server ended \((exit code 0|signal SIGTERM), stopped by podvisor\)$/.test(line.msg));
      await podvisor.waitForLog(message('server drained', { outcome: 'drained' }));
      await podvisor.waitForLog(message('podvisor exiting', { exitStatus: 2 }));
    } finally {
      occupant.close();
    }
  });

  it('PODVISOR_HTTP_PORT=0 runs without a listener', async () => {
    const podvisor = startPodvisor({ command: SERVER, env: { PODVISOR_HTTP_PORT: '0', OBS_EXIT_CODE: '0', OBS_EXIT_AFTER_MS: '300' } });
    running.push(podvisor);
    assert.equal(await podvisor.exited(), 0);
    assert.equal(
      podvisor.logs.some((line) => line.msg.startsWith('HTTP listener started')),
      false,
    );
    const listening = startPodvisor({ command: SERVER, env: { PODVISOR_HTTP_PORT: String(await freePort()), PODVISOR_HTTP_HOST: '127.0.0.1', OBS_EXIT_CODE: '0', OBS_EXIT_AFTER_MS: '300' } });
    running.push(listening);
    assert.equal(await listening.exited(), 0);
    assert.ok(listening.logs.some((line) => line.msg.startsWith('HTTP listener started')));
  });
});
