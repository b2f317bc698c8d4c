import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { pollUntilReady } from '../../../src/readiness/probe-server.ts';

describe('readiness polling against real listeners', () => {
  it('tcp: passes once something listens on the port', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    const polling = pollUntilReady({ kind: 'tcp', host: '127.0.0.1', port }, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const server = createServer((socket) => socket.destroy());
    server.listen(port, '127.0.0.1');
    try {
      assert.equal(await polling, true);
    } finally {
      server.close();
    }
  });

  it('http: only a 2xx answer passes', async () => {
    let status = 503;
    const server = createHttpServer((_, response) => response.writeHead(status).end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const polling = pollUntilReady({ kind: 'http', url: new URL(`http://127.0.0.1:${port}/ready`) }, new AbortController().signal);
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = 204;
      assert.equal(await polling, true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an abort ends the polling with false, at once', async () => {
    const abort = new AbortController();
    const polling = pollUntilReady({ kind: 'tcp', host: '127.0.0.1', port: 1 }, abort.signal);
    setTimeout(() => abort.abort(), 50);
    const started = Date.now();
    assert.equal(await polling, false);
    assert.ok(Date.now() - started < 2000);
  });
});
