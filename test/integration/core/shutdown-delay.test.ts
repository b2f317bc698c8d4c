// Shutdown in a pod (docs/shutdown.md): on SIGTERM readiness fails at once, the server serves on for
// PODVISOR_SHUTDOWN_DELAY_SECONDS, then gets PODVISOR_STOP_SIGNAL and drains.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { eventually, FIXTURES, freePort, message, NODE, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const running: RunningPodvisor[] = [];
after(() => stopAll(running));

async function answers(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
  return response?.status === 200;
}

/** A server on `port` (python3 -m http.server) under podvisor with the HTTP port on and a shutdown delay. */
async function startServing(env: Record<string, string>): Promise<{ podvisor: RunningPodvisor; port: number; httpPort: number }> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const podvisor = startPodvisor({
    command: ['python3', '-m', 'http.server', '--bind', '127.0.0.1', String(port)],
    env: { PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_HTTP_HOST: '127.0.0.1', PODVISOR_READINESS: `tcp:${port}`, ...env },
  });
  running.push(podvisor);
  await podvisor.waitForLog((line) => line.msg === 'state changed' && line['to'] === 'running');
  return { podvisor, port, httpPort };
}

describe('the shutdown delay', () => {
  it('SIGTERM: not ready at once, the server serves on for the delay, then is stopped; a second SIGTERM does not shorten it', async () => {
    const { podvisor, port, httpPort } = await startServing({ PODVISOR_SHUTDOWN_DELAY_SECONDS: '1.5' });
    const started = Date.now();
    podvisor.signal('SIGTERM');
    await eventually(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 503, 'readiness to fail', 1000);
    await delay(300);
    assert.equal(await answers(port), true, 'the server still serves during the delay');
    podvisor.signal('SIGTERM');
    await delay(700);
    assert.equal(await answers(port), true, 'a second SIGTERM did not shorten it');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(Date.now() - started >= 1400, `exited after ${Date.now() - started} ms`);
    const over = podvisor.logs.find(message('shutdown delay over: stopping the server'));
    assert.equal(over?.['outcome'], 'elapsed');
    assert.ok(Number(over?.['seconds']) >= 1.45);
    assert.equal(podvisor.logs.find(message('shutting down: not ready now, the server serves on for the shutdown delay'))?.['delaySeconds'], 1.5);
  });

  it('Ctrl-C during the delay stops the server now', async () => {
    const { podvisor } = await startServing({ PODVISOR_SHUTDOWN_DELAY_SECONDS: '30' });
    const started = Date.now();
    podvisor.signal('SIGTERM');
    await podvisor.waitForLog(message('shutting down: not ready now, the server serves on for the shutdown delay'));
    podvisor.signal('SIGINT');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(Date.now() - started < 5000, 'well before the 30 s delay');
    assert.equal(podvisor.logs.find(message('shutdown delay over: stopping the server'))?.['outcome'], 'cut_short');
  });

  it('a server that ends on its own during the delay ends the shutdown with its own status', async () => {
    const { podvisor, port } = await startServing({ PODVISOR_SHUTDOWN_DELAY_SECONDS: '30' });
    podvisor.signal('SIGTERM');
    await podvisor.waitForLog(message('shutting down: not ready now, the server serves on for the shutdown delay'));
    assert.equal(await answers(port), true);
    const serverPid = Number(podvisor.logs.find(message('server started'))?.['serverPid']);
    process.kill(serverPid, 'SIGKILL');
    assert.equal(await podvisor.exited(), 137);
    assert.ok(!podvisor.logs.some(message('restarting the server')));
  });

  it('a fatal line during the delay changes nothing: the shutdown goes on as planned, no restart', async () => {
    const port = await freePort();
    const podvisor = startPodvisor({
      command: [NODE, join(FIXTURES, 'fatal-then.mjs')],
      env: { PORT: String(port), FATAL_THEN: 'serve', FATAL_AFTER_MS: '800', PODVISOR_SHUTDOWN_DELAY_SECONDS: '1.5', PODVISOR_FATAL_CONFIRM_SECONDS: '0' },
    });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    await delay(300);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.match(podvisor.stdout(), /FATAL: password authentication failed/);
    assert.ok(!podvisor.logs.some(message('restarting the server')));
    assert.equal(podvisor.logs.find(message('shutdown delay over: stopping the server'))?.['outcome'], 'elapsed');
  });

  it('a server that was never ready (never in a Service) is stopped at once', async () => {
    const silentPort = await freePort();
    const podvisor = startPodvisor({ command: ['sleep', '1000'], env: { PODVISOR_SHUTDOWN_DELAY_SECONDS: '30', PODVISOR_READINESS: `tcp:${silentPort}` } });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    const started = Date.now();
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.ok(Date.now() - started < 3000);
    assert.equal(podvisor.logs.find(message('shutting down'))?.['delaySeconds'], 0);
  });

  it('in a pod (KUBERNETES_SERVICE_HOST set) the delay is 5 s by default; elsewhere 0', async () => {
    const inPod = startPodvisor({ command: ['sleep', '1000'], env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', PODVISOR_KUBERNETES: 'off' } });
    running.push(inPod);
    await inPod.waitForLog(message('server started'));
    inPod.signal('SIGTERM');
    const shutting = await inPod.waitForLog((line) => line.msg.startsWith('shutting down'));
    assert.equal(shutting['delaySeconds'], 5);
    inPod.signal('SIGINT');
    assert.equal(await inPod.exited(), 0);

    const outside = startPodvisor({ command: ['sleep', '1000'], env: { KUBERNETES_SERVICE_HOST: '' } });
    running.push(outside);
    await outside.waitForLog(message('server started'));
    outside.signal('SIGTERM');
    assert.equal((await outside.waitForLog((line) => line.msg.startsWith('shutting down')))['delaySeconds'], 0);
    assert.equal(await outside.exited(), 0);
  });

  it('a kit server keeps accepting sessions during the delay, and its streams get their final frame after it', async () => {
    const [streamPort, httpPort] = [await freePort(), await freePort()];
    const podvisor = startPodvisor({ env: { STREAM_PORT: String(streamPort), PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_HTTP_HOST: '127.0.0.1', PODVISOR_SHUTDOWN_DELAY_SECONDS: '1' } });
    running.push(podvisor);
    await podvisor.waitForLog((line) => line.msg === 'state changed' && line['to'] === 'running');
    podvisor.signal('SIGTERM');
    await eventually(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 503, 'readiness to fail', 1000);
    const response = await fetch(`http://127.0.0.1:${streamPort}/live/late`);
    assert.equal(response.status, 200, 'a new session during the delay is accepted');
    const body = await response.text();
    assert.match(body.trimEnd().split('\n').at(-1) ?? '', /"final":true|goodbye|shutting_down/);
    assert.equal(await podvisor.exited(), 0);
  });
});
