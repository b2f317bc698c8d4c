import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMetrics, type Metrics } from '../../../../src/observers/metrics/create-metrics.ts';
import { HTTP_LIMITS } from '../../../../src/observers/http/http-limits.ts';
import { listenObservability, type ObservabilityServer } from '../../../../src/observers/http/observability-server.ts';
import { Supervision } from '../../../../src/supervisor/supervision.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function ask(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Resolves with how long until the server closed `socket`. */
async function closedWithin(socket: Socket): Promise<number> {
  const started = Date.now();
  socket.on('error', () => {});
  // Read whatever the server says last (a 408), or the socket never reaches 'close'.
  socket.resume();
  if (!socket.closed) await once(socket, 'close');
  return Date.now() - started;
}

async function rawConnection(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

describe('the HTTP port', () => {
  const supervision = new Supervision();
  let metrics: Metrics;
  let server: ObservabilityServer;

  before(async () => {
    metrics = createMetrics(supervision);
    const limits = { ...HTTP_LIMITS, headersTimeoutMs: 400, requestTimeoutMs: 800, timeoutCheckIntervalMs: 100, maxConnections: 4 };
    const listening = await listenObservability({ host: '127.0.0.1', port: 0, supervision, metrics, version: '9.9.9', limits });
    assert.ok(listening.ok);
    server = listening.server;
    supervision.update({ pid: 1234, serverStartedAt: Date.now() });
    supervision.apply({ type: 'spawned' });
  });
  after(async () => {
    await server.close();
    metrics.stop();
  });

  it('answers readiness from the state machine as it changes', async () => {
    const starting = await ask(server.port, '/readyz');
    assert.equal(starting.status, 503);
    assert.equal(starting.body, 'not ready: starting\n');
    supervision.apply({ type: 'ready' });
    const running = await ask(server.port, '/readyz');
    assert.equal(running.status, 200);
    assert.equal((await ask(server.port, '/healthz')).status, 200);
    const status = JSON.parse((await ask(server.port, '/status')).body) as Record<string, unknown>;
    assert.equal(status.state, 'running');
    assert.equal(status.pid, 1234);
    assert.equal(status.version, '9.9.9');
  });

  it('serves text 0.0.4 by default and OpenMetrics when asked', async () => {
    const text = await ask(server.port, '/metrics');
    assert.equal(text.status, 200);
    assert.equal(text.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(text.body, /^podvisor_server_state\{state="running"\} 1$/m);
    const open = await ask(server.port, '/metrics', { headers: { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
    assert.equal(open.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.ok(open.body.endsWith('# EOF\n'));
  });

  it('answers HEAD like GET without a body', async () => {
    const head = await ask(server.port, '/status', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
  });

  it('refuses other methods with 405 and Allow, unknown paths with 404, without a stack trace', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await ask(server.port, '/metrics', { method });
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers.allow, 'GET, HEAD');
    }
    const missing = await ask(server.port, '/admin');
    assert.equal(missing.status, 404);
    for (const answer of [missing, await ask(server.port, '/readyz', { method: 'POST' })]) assert.doesNotMatch(answer.body, /\bat \S+ \(|Error/);
  });

  it('answers oversized headers with 431', async () => {
    const answer = await ask(server.port, '/metrics', { headers: { 'X-Padding': 'x'.repeat(HTTP_LIMITS.maxHeaderSize + 100) } });
    assert.equal(answer.status, 431);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const socket = await rawConnection(server.port);
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    // headersTimeout is 400 ms here (5 s in podvisor); the bound is generous.
    assert.ok((await closedWithin(socket)) < 5000);
  });

  it('refuses connections beyond the maximum, and serves again once they are gone', async () => {
    const held = await Promise.all([0, 1, 2, 3, 4].map(() => rawConnection(server.port)));
    // Four may stay open; the server closes one of the five at once (whichever it counted fifth).
    const firstClosed = await Promise.race([...held.map((socket) => closedWithin(socket)), new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 3000))]);
    assert.ok(firstClosed < 2000, 'a connection beyond the maximum is closed at once');
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await ask(server.port, '/healthz')).status, 200);
  });
});

describe('binding the HTTP port', () => {
  it('reports a port in use by number, with what to do, instead of throwing', async () => {
    const occupant = createServer().listen(0, '127.0.0.1');
    await once(occupant, 'listening');
    const port = (occupant.address() as { port: number }).port;
    const metrics = createMetrics(new Supervision());
    try {
      const result = await listenObservability({ host: '127.0.0.1', port, supervision: new Supervision(), metrics, version: '0' });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, 'EADDRINUSE');
      assert.match(result.message, new RegExp(`port ${port} is already in use`));
      assert.match(result.message, /PODVISOR_HTTP_PORT=0/);
    } finally {
      metrics.stop();
      occupant.close();
    }
  });

  it('closes kept-alive connections when it closes', async () => {
    const metrics = createMetrics(new Supervision());
    const listening = await listenObservability({ host: '127.0.0.1', port: 0, supervision: new Supervision(), metrics, version: '0' });
    assert.ok(listening.ok);
    const socket = await rawConnection(listening.server.port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data');
    const started = Date.now();
    await listening.server.close();
    assert.ok((await closedWithin(socket)) < 2000);
    assert.ok(Date.now() - started < 2000);
    metrics.stop();
  });
});
