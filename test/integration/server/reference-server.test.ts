import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { eventually, freePort, message, processExists, startPodvisor, type RunningPodvisor } from '../../helpers/podvisor-process.ts';
import { closeAllStreams, getText, openStream, stalledStream, tryGetText, type StreamClient } from './stream-client.ts';

const started: RunningPodvisor[] = [];
after(() => {
  for (const podvisor of started) podvisor.kill();
  closeAllStreams();
});

interface Ports {
  readonly stream: number;
  readonly http: number;
}

/** podvisor with no command: the reference streaming server, as `npm start` runs it. */
async function startReference(env: Record<string, string> = {}): Promise<{ podvisor: RunningPodvisor; ports: Ports }> {
  const ports = { stream: await freePort(), http: await freePort() };
  const podvisor = startPodvisor({
    env: { STREAM_PORT: String(ports.stream), STREAM_HOST: '127.0.0.1', STREAM_FRAME_INTERVAL_MS: '50', PODVISOR_HTTP_PORT: String(ports.http), PODVISOR_HTTP_HOST: '127.0.0.1', ...env },
  });
  started.push(podvisor);
  await eventually(
    async () => (await tryGetText(ports.stream, '/'))?.body['state'] === 'running' && (await tryGetText(ports.http, '/status'))?.body['state'] === 'running',
    'the reference server to run, and podvisor to answer on its HTTP port',
    15_000,
  );
  return { podvisor, ports };
}

const lastFrame = (stream: StreamClient): Record<string, unknown> => JSON.parse(stream.lines.at(-1) ?? '{}') as Record<string, unknown>;

test('streams of timestamped frames, one session each, counted through the whole chain to /status and /metrics', async () => {
  const { podvisor, ports } = await startReference();
  const streams = await Promise.all(['news', 'sports', 'news'].map((channel) => openStream(ports.stream, `/live/${channel}`)));
  for (const stream of streams) {
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'application/x-ndjson');
    assert.equal(stream.headers['transfer-encoding'], 'chunked');
    await stream.waitForLines(3);
  }
  const frames = (streams[1] as StreamClient).lines.slice(0, 3).map((line) => JSON.parse(line) as { channel: string; sequence: number; time: string });
  assert.deepEqual(frames.map((frame) => [frame.channel, frame.sequence]), [['sports', 0], ['sports', 1], ['sports', 2]]);
  assert.ok(frames.every((frame) => !Number.isNaN(Date.parse(frame.time))));

  assert.deepEqual((await getText(ports.stream, '/')).body, { state: 'running', sessions: 3 });
  await eventually(async () => (await getText(ports.http, '/status')).body['sessions'] === 3, 'podvisor /status to show 3 sessions');
  await eventually(async () => /^podvisor_server_sessions 3$/m.test((await getText(ports.http, '/metrics')).text), 'podvisor_server_sessions 3');

  (streams[0] as StreamClient).close();
  await eventually(async () => (await getText(ports.http, '/status')).body['sessions'] === 2, 'podvisor /status to show 2 sessions');
  assert.equal((await getText(ports.stream, '/nowhere')).status, 404);

  podvisor.signal('SIGTERM');
  assert.equal(await podvisor.exited(), 0);
});

test('SIGTERM with 200 open streams: every stream ends with its final frame and podvisor exits 0, within 5 s', async () => {
  const { podvisor, ports } = await startReference();
  const streams = await Promise.all(Array.from({ length: 200 }, (_, index) => openStream(ports.stream, `/live/channel-${index % 7}`)));
  await Promise.all(streams.map((stream) => stream.waitForLines(1)));
  await eventually(async () => (await getText(ports.http, '/status')).body['sessions'] === 200, 'podvisor to count 200 sessions');

  const signalledAt = Date.now();
  podvisor.signal('SIGTERM');
  const endings = await Promise.all(streams.map((stream) => stream.ended));
  const status = await podvisor.exited(10_000);
  const elapsedMs = Date.now() - signalledAt;

  assert.equal(status, 0);
  assert.ok(elapsedMs < 5000, `took ${elapsedMs} ms`);
  assert.deepEqual(new Set(endings), new Set(['complete']));
  for (const stream of streams) assert.deepEqual([lastFrame(stream)['final'], lastFrame(stream)['reason']], [true, 'shutting_down']);
  assert.ok(podvisor.logs.some(message('server drained')));
});

test('a client that stops reading does not hold the drain past its deadline', async () => {
  const { podvisor, ports } = await startReference({ PODVISOR_DRAIN_SECONDS: '1', STREAM_FRAME_INTERVAL_MS: '2', STREAM_FRAME_PAYLOAD_BYTES: '65536' });
  const stalled = await stalledStream(ports.stream, '/live/slow');
  const reading = await openStream(ports.stream, '/live/fast');
  // Long enough for the stalled client's receive window and the server's send buffer to fill.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await getText(ports.stream, '/')).body['sessions'], 2);

  const signalledAt = Date.now();
  podvisor.signal('SIGTERM');
  const status = await podvisor.exited(10_000);
  const elapsedMs = Date.now() - signalledAt;
  stalled.destroy();

  assert.equal(status, 0, 'the server ended by itself, podvisor did not have to kill it');
  assert.ok(elapsedMs < 1000 + 1000, `the drain took ${elapsedMs} ms, past the 1 s deadline plus the kill grace`);
  assert.equal(await reading.ended, 'complete');
  assert.equal(lastFrame(reading)['final'], true);
  assert.ok(podvisor.stderr().includes('1 session(s) did not end within 1 s; closed them'));
});

test('SIGINT restarts the server in place after its sessions drained; new streams work again', async () => {
  const { podvisor, ports } = await startReference();
  const streams = await Promise.all([1, 2, 3, 4, 5].map(() => openStream(ports.stream, '/live/news')));
  await Promise.all(streams.map((stream) => stream.waitForLines(1)));

  podvisor.signal('SIGINT');
  const restart = await podvisor.waitForLog(message('restarting the server'));
  assert.equal(restart['reason'], 'sigint');
  for (const stream of streams) {
    assert.equal(await stream.ended, 'complete');
    assert.equal(lastFrame(stream)['final'], true);
  }
  assert.ok(podvisor.logs.some((line) => line.msg === 'server ended (exit code 254, stopped by podvisor)'));
  await podvisor.waitForLogs(message('server started'), 2);
  await eventually(async () => {
    try {
      return (await getText(ports.stream, '/')).body['state'] === 'running';
    } catch {
      return false;
    }
  }, 'the restarted server to run');
  const again = await openStream(ports.stream, '/live/news');
  assert.equal(again.status, 200);
  await again.waitForLines(1);
  await eventually(async () => (await getText(ports.http, '/status')).body['sessions'] === 1, 'the new server to count its session');

  podvisor.signal('SIGTERM');
  assert.equal(await podvisor.exited(), 0);
});

test('Ctrl-C twice: a second SIGINT during the SIGINT drain quits, and podvisor exits 0', async () => {
  const { podvisor, ports } = await startReference({ PODVISOR_DRAIN_SECONDS: '2', STREAM_FRAME_INTERVAL_MS: '2', STREAM_FRAME_PAYLOAD_BYTES: '65536' });
  // A reader that never reads keeps the first drain under way until its deadline.
  const stalled = await stalledStream(ports.stream, '/live/slow');
  await new Promise((resolve) => setTimeout(resolve, 500));
  podvisor.signal('SIGINT');
  await podvisor.waitForLog((line) => line.msg === 'state changed' && line['to'] === 'shutting_down');
  podvisor.signal('SIGINT');
  const status = await podvisor.exited(15_000);
  stalled.destroy();
  assert.equal(status, 0);
  assert.ok(podvisor.logs.some((line) => line.msg === 'server ended (exit code 0, stopped by podvisor)'), 'the kit turned its 254 into 0 on the SIGTERM');
  assert.ok(!podvisor.logs.some(message('restarting the server')));
});

test("the operator's switches: SIGUSR1 toggles refusing_connections, SIGUSR2 toggles idle", async () => {
  const { podvisor, ports } = await startReference({ STREAM_RETRY_AFTER_SECONDS: '2' });
  const open = await openStream(ports.stream, '/live/news');
  await open.waitForLines(1);
  const state = async (): Promise<unknown> => (await getText(ports.http, '/status')).body['state'];

  podvisor.signal('SIGUSR1');
  await eventually(async () => (await state()) === 'refusing_connections', 'refusing_connections');
  const refused = await getText(ports.stream, '/live/news');
  assert.deepEqual([refused.status, refused.headers['retry-after'], refused.body['state']], [503, '2', 'refusing_connections']);
  await open.waitForLines(open.lines.length + 2);
  podvisor.signal('SIGUSR1');
  await eventually(async () => (await state()) === 'running', 'running again');

  podvisor.signal('SIGUSR2');
  assert.equal(await open.ended, 'aborted');
  await eventually(async () => (await state()) === 'idle', 'idle');
  assert.equal((await getText(ports.stream, '/live/news')).status, 503);
  podvisor.signal('SIGUSR2');
  await eventually(async () => (await state()) === 'running', 'running after idle');
  assert.equal((await openStream(ports.stream, '/live/news')).status, 200);

  podvisor.signal('SIGTERM');
  assert.equal(await podvisor.exited(), 0);
});

test('a server whose podvisor was killed does not live on as an orphan: it drains and exits', async () => {
  const { podvisor, ports } = await startReference();
  const open = await openStream(ports.stream, '/live/news');
  await open.waitForLines(1);
  const serverPid = (await getText(ports.http, '/status')).body['pid'] as number;
  podvisor.child.kill('SIGKILL');
  assert.equal(await open.ended, 'complete');
  assert.equal(lastFrame(open)['final'], true);
  await eventually(() => !processExists(serverPid), 'the orphaned server to exit');
});

test('a start-up failure (the port is taken) exits 255 and is not restarted', async () => {
  const taken = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const port = (taken.address() as { port: number }).port;
  try {
    const podvisor = startPodvisor({ env: { STREAM_PORT: String(port), STREAM_HOST: '127.0.0.1' } });
    started.push(podvisor);
    assert.equal(await podvisor.exited(), 255);
    assert.ok(!podvisor.logs.some(message('restarting the server')));
    assert.match(podvisor.stderr(), /start-up failed: listen EADDRINUSE/);
  } finally {
    taken.close();
  }
});

test('bad settings of the reference server are a start-up failure too, named with the value', async () => {
  const podvisor = startPodvisor({ env: { STREAM_PORT: 'eighty' } });
  started.push(podvisor);
  assert.equal(await podvisor.exited(), 255);
  assert.match(podvisor.stderr(), /STREAM_PORT="eighty": accepted is a whole number from 0 to 65535/);
});
