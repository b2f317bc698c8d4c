// The `helm test` hook's script, run for real with Node 24 (the image's Node) against a stand-in for the
// Service's /readyz that answers 503 twice and then 200; and against one that never gets ready.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { NODE } from '../helpers/podvisor-process.ts';
import { runTool } from '../helpers/tools.ts';
import { at, find, render } from './chart.ts';

async function readyzServer(notReadyAnswers: number): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    const ready = request.url === '/readyz' && requests > notReadyAnswers;
    response.writeHead(ready ? 200 : 503).end(ready ? 'ready: running' : 'not ready: starting');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, requests: () => requests };
}

describe('the helm test hook', async () => {
  const pod = find(await render(), 'Pod');
  const script = at(pod, 'spec', 'containers', 0, 'args', 0) as string;
  const command = at(pod, 'spec', 'containers', 0, 'command') as string[];
  const serviceUrl = 'http://podvisor.default.svc:9464/readyz';

  it('runs node -e with a script that asks the Service for /readyz', () => {
    assert.deepEqual(command, ['node', '-e']);
    assert.ok(script.includes(serviceUrl), script);
  });

  it('succeeds once /readyz answers 200, retrying while it answers 503', { timeout: 60_000 }, async () => {
    const { server, port, requests } = await readyzServer(2);
    try {
      const result = await runTool(NODE, ['-e', script.replace(serviceUrl, `http://127.0.0.1:${port}/readyz`)], { timeout: 50_000 });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(requests(), 3);
      assert.match(result.stdout, /-> 503\n.*-> 503\n.*-> 200/);
    } finally {
      server.close();
    }
  });

  it('fails when /readyz never answers 200 within its minute', { timeout: 120_000 }, async () => {
    // The deadline shortened from a minute to two seconds; the logic under test is the same.
    const { server, port } = await readyzServer(Number.POSITIVE_INFINITY);
    try {
      const shortened = script.replace(serviceUrl, `http://127.0.0.1:${port}/readyz`).replace('Date.now() + 60000', 'Date.now() + 2000');
      assert.notEqual(shortened, script);
      const result = await runTool(NODE, ['-e', shortened], { timeout: 60_000 });
      assert.equal(result.code, 1, result.stdout + result.stderr);
    } finally {
      server.close();
    }
  });
});
