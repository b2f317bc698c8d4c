import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, FIXTURES, freePort, NODE, ROOT, startPodvisor, type RunningPodvisor } from '../../helpers/podvisor-process.ts';
import { closeAllStreams, getText, openStream, tryGetText } from './stream-client.ts';

const EXAMPLE = join(FIXTURES, 'kit-example-server.mjs');
const started: RunningPodvisor[] = [];
after(() => {
  for (const podvisor of started) podvisor.kill();
  closeAllStreams();
});

test("the documented custom server runs under podvisor: sessions, refusing_connections, SIGHUP reload, SIGTERM drain", async () => {
  const port = await freePort();
  const http = await freePort();
  const podvisor = startPodvisor({ command: [NODE, EXAMPLE], env: { PORT: String(port), PODVISOR_HTTP_PORT: String(http), PODVISOR_HTTP_HOST: '127.0.0.1' } });
  started.push(podvisor);
  let client: Awaited<ReturnType<typeof openStream>> | undefined;
  await eventually(async () => {
    client = await openStream(port, '/').catch(() => undefined);
    return client?.status === 200;
  }, 'the example server to answer', 15_000);
  const open = client as NonNullable<typeof client>;
  await eventually(async () => (await tryGetText(http, '/status'))?.body['sessions'] === 1, 'podvisor to count the session');

  podvisor.signal('SIGUSR1');
  await eventually(async () => (await getText(http, '/status')).body['state'] === 'refusing_connections', 'refusing_connections');
  assert.equal((await getText(port, '/')).status, 503);

  podvisor.signal('SIGHUP');
  await eventually(() => podvisor.stderr().includes('MESSAGE: SIGHUP: nothing to reload'), 'the reload callback');

  podvisor.signal('SIGTERM');
  assert.equal(await open.ended, 'complete');
  assert.equal(open.lines.at(-1), 'bye: the server is shutting down');
  assert.equal(await podvisor.exited(), 0);
});

test('README.md and docs/kit.md show the example exactly as it is tested', () => {
  const example = readFileSync(EXAMPLE, 'utf8').split('\n').slice(1).join('\n').trim();
  for (const page of ['README.md', join('docs', 'kit.md')]) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    assert.ok(text.includes(example), `${page} has the example of test/fixtures/kit-example-server.mjs (without its first comment line)`);
  }
});
