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
    const limits = { ...HTTP_LIMITS, headersTimeoutMs: 400, sweepIntervalMs: 100, maxConnections: 4 };
    const listening = await listenObservability({ host: '127.0.0.1', port: 0, snapshot: () => supervision.snapshot, metrics, version: '9.9.9', limits });
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
    const answer = await ask(server.port, '/metrics', { headers: { 'X-Padding': 'x'.repeat(HTTP_LIMITS.maxHeadBytes + 100) } });
    assert.equal(answer.status, 431);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const socket = await rawConnection(server.port);
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    // headersTimeout is 400 ms here (5 s in podvisor); the bound is generous.
    assert.ok((await closedWithin(socket)) < 5000);
  });

  it('at the maximum, a new connection is served: the one that made no progress for the longest is closed for it', async () => {
    const held: Socket[] = [];
    for (let index = 0; index < 4; index++) {
      held.push(await rawConnection(server.port));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const firstClosed = closedWithin(held[0] as Socket);
    // Four are held (the maximum here); a probe still gets its answer, and the oldest silent one makes room.
    assert.equal((await ask(server.port, '/healthz')).status, 200);
    // (The head timeout here is 400 ms: look before it cuts the others off.)
    assert.equal(held[3]?.closed, false, 'the newest silent connection is still open');
    assert.ok((await firstClosed) < 2000, 'the oldest silent connection was closed');
    for (const socket of held) socket.destroy();
  });

  it('answers pipelined requests one at a time, reading the next only once an answer is taken', async () => {
    const socket = await rawConnection(server.port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    await once(socket, 'end');
    assert.equal(text.match(/^HTTP\/1\.1 200 OK\r\n/gm)?.length, 3, text);
    assert.match(text, /Connection: close\r\n/);
    socket.destroy();
  });

  it('a request with a body is answered and the connection closed; the body is never read', async () => {
    const socket = await rawConnection(server.port);
    socket.write(`POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n${'x'.repeat(1000)}`);
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    await once(socket, 'end');
    assert.match(text, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(text, /Allow: GET, HEAD\r\n/);
    assert.match(text, /Connection: close\r\n/);
    socket.destroy();
  });

  it('answers a malformed head with 400 and closes', async () => {
    for (const head of ['GARBAGE\r\n\r\n', 'GET /healthz HTTP/1.1\r\n\r\n', 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n', 'GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n']) {
      const socket = await rawConnection(server.port);
      socket.write(head);
      let text = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
      await once(socket, 'end');
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(head));
      socket.destroy();
    }
  });
});

describe('the answer budget', () => {
  it('answers beyond the budget wait their turn, probes before the rest', async () => {
    const supervision = new Supervision();
    const metrics = createMetrics(supervision);
    const limits = { ...HTTP_LIMITS, answersPerSecond: 4, answersBurst: 1 };
    const listening = await listenObservability({ host: '127.0.0.1', port: 0, snapshot: () => supervision.snapshot, metrics, version: '0', limits });
    assert.ok(listening.ok);
    const port = listening.server.port;
    try {
      const order: string[] = [];
      const asked = (path: string): Promise<void> => ask(port, path).then((answer) => void order.push(`${path} ${answer.status}`));
      // The burst (1) goes to the first; the others wait ¼ s each, the probe ahead of the two scrapes asked before it.
      const first = asked('/status');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const scrapes = [asked('/metrics'), asked('/metrics')];
      await new Promise((resolve) => setTimeout(resolve, 30));
      const started = performance.now();
      await Promise.all([first, ...scrapes, asked('/healthz')]);
      assert.deepEqual(order, ['/status 200', '/healthz 200', '/metrics 200', '/metrics 200']);
      assert.ok(performance.now() - started >= 400, 'three answers beyond the burst took about three quarters of a second');
    } finally {
      await listening.server.close();
      metrics.stop();
    }
  });
});

describe('binding the HTTP port', () => {
  it('reports a port in use by number, with what to do, instead of throwing', async () => {
    const occupant = createServer().listen(0, '127.0.0.1');
    await once(occupant, 'listening');
    const port = (occupant.address() as { port: number }).port;
    const metrics = createMetrics(new Supervision());
    try {
      const result = await listenObservability({ host: '127.0.0.1', port, snapshot: () => new Supervision().snapshot, metrics, version: '0' });
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
    const listening = await listenObservability({ host: '127.0.0.1', port: 0, snapshot: () => new Supervision().snapshot, metrics, version: '0' });
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
