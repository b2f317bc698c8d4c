import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, FIXTURES, freePort, message, NODE, startPodvisor, type RunningPodvisor } from '../../helpers/podvisor-process.ts';
import { closeAllStreams, getText, openStream, tryGetText } from './stream-client.ts';

const started: RunningPodvisor[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'podvisor-kit-'));
after(() => {
  for (const podvisor of started) podvisor.kill();
  closeAllStreams();
  rmSync(scratch, { recursive: true, force: true });
});

/** The fixture kit server under podvisor; SIGUSR1/SIGUSR2/SIGWINCH to podvisor reach it (forwarded). */
async function startKitServer(env: Record<string, string> = {}): Promise<{ podvisor: RunningPodvisor; stream: number; http: number }> {
  const stream = await freePort();
  const http = await freePort();
  const podvisor = startPodvisor({
    command: [NODE, join(FIXTURES, 'kit-stream-server.ts')],
    env: { STREAM_PORT: String(stream), STREAM_HOST: '127.0.0.1', STREAM_FRAME_INTERVAL_MS: '50', STREAM_RETRY_AFTER_SECONDS: '3', PODVISOR_HTTP_PORT: String(http), PODVISOR_HTTP_HOST: '127.0.0.1', ...env },
  });
  started.push(podvisor);
  // podvisor's `auto` readiness calls any server running once spawned, until the kit's hello: ask the server.
  await eventually(async () => (await tryGetText(stream, '/'))?.body['state'] === 'running' && (await podvisorState(http)) === 'running', 'the kit server to run', 15_000);
  return { podvisor, stream, http };
}

async function podvisorState(http: number): Promise<unknown> {
  return (await tryGetText(http, '/status'))?.body['state'];
}

test('refusing_connections: new streams get 503 + Retry-After, open streams keep flowing; running again accepts', async () => {
  const { podvisor, stream, http } = await startKitServer();
  const open = await openStream(stream, '/live/news');
  await open.waitForLines(1);

  podvisor.signal('SIGUSR1');
  await eventually(async () => (await podvisorState(http)) === 'refusing_connections', 'podvisor to see refusing_connections');
  const refused = await openStream(stream, '/live/news');
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '3');
  assert.equal((await getText(http, '/readyz')).status, 503);
  const seen = open.lines.length;
  await open.waitForLines(seen + 3);
  assert.equal((await getText(stream, '/')).body['sessions'], 1);

  podvisor.signal('SIGWINCH');
  await eventually(async () => (await podvisorState(http)) === 'running', 'podvisor to see running again');
  const accepted = await openStream(stream, '/live/news');
  assert.equal(accepted.status, 200);
  await eventually(async () => (await getText(http, '/status')).body['sessions'] === 2, 'podvisor to count 2 sessions');

  podvisor.signal('SIGTERM');
  assert.equal(await podvisor.exited(), 0);
});

test('idle: new streams get 503 and open streams are killed; podvisor counts 0 sessions', async () => {
  const { podvisor, stream, http } = await startKitServer();
  const streams = await Promise.all([1, 2, 3].map(() => openStream(stream, '/live/news')));
  await Promise.all(streams.map((client) => client.waitForLines(1)));
  await eventually(async () => (await getText(http, '/status')).body['sessions'] === 3, 'podvisor to count 3 sessions');

  podvisor.signal('SIGUSR2');
  for (const client of streams) assert.equal(await client.ended, 'aborted');
  await eventually(async () => (await podvisorState(http)) === 'idle', 'podvisor to see idle');
  await eventually(async () => (await getText(http, '/status')).body['sessions'] === 0, 'podvisor to count 0 sessions');
  assert.equal((await openStream(stream, '/live/news')).status, 503);
  assert.deepEqual((await getText(stream, '/')).body, { state: 'idle', sessions: 0 });

  podvisor.signal('SIGTERM');
  assert.equal(await podvisor.exited(), 0);
});

for (const kind of ['log-error', 'pino'] as const) {
  test(`a fatal ${kind === 'pino' ? 'pino line' : 'logError'}: fatal_error, sessions drained, exit 254, restart with reason fatal_error`, async () => {
    const { podvisor, stream } = await startKitServer({ KIT_FATAL: kind, KIT_FATAL_MARKER: join(scratch, `fatal-${kind}`) });
    const open = await openStream(stream, '/live/news').catch(() => undefined);

    const restart = await podvisor.waitForLog(message('restarting the server'));
    assert.equal(restart['reason'], 'fatal_error');
    const reported = await podvisor.waitForLog(message('the server reported a fatal error'));
    assert.equal(reported['source'], 'kit');
    assert.equal(reported['line'], 'the media store is gone');
    assert.ok(podvisor.logs.some((line) => line.msg === 'server ended (exit code 254)'));
    if (open !== undefined && open.status === 200) {
      assert.equal(await open.ended, 'complete');
      assert.deepEqual(JSON.parse(open.lines.at(-1) ?? '{}')['reason'], 'fatal_error');
    }
    // The pino line itself passes through podvisor unchanged (on its stdout, read apart from its log lines).
    if (kind === 'pino') await eventually(() => /"level":60.*"msg":"the media store is gone"/.test(podvisor.stdout()), "the server's pino line on stdout");
    await podvisor.waitForLogs(message('server started'), 2);

    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
}
