import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { fetchStatus, parseHttpAnswer, statusAddress } from '../../../../src/cli/ctl/status-client.ts';

describe('the address ctl asks /status at', () => {
  const cases: ReadonlyArray<[string, number, ReturnType<typeof statusAddress>]> = [
    ['0.0.0.0', 9464, { host: '127.0.0.1', port: 9464 }],
    ['', 9464, { host: '127.0.0.1', port: 9464 }],
    ['::', 9000, { host: '::1', port: 9000 }],
    ['[::1]', 9000, { host: '::1', port: 9000 }],
    ['10.0.0.5', 9464, { host: '10.0.0.5', port: 9464 }],
    ['127.0.0.1', 0, undefined],
  ];
  for (const [host, port, expected] of cases) {
    it(`${host || '(empty)'}:${port}`, () => assert.deepEqual(statusAddress(host, port), expected));
  }
});

describe('an HTTP answer', () => {
  const cases: ReadonlyArray<[string, string, ReturnType<typeof parseHttpAnswer>]> = [
    ['200 with a length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}', { ok: true, status: 200, body: '{}' }],
    ['a length shorter than what came', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}extra', { ok: true, status: 200, body: '{}' }],
    ['no length: to the end', 'HTTP/1.0 404 Not Found\r\n\r\nnot found\n', { ok: true, status: 404, body: 'not found\n' }],
    ['cut short', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}', { ok: false, why: 'the body ended after 2 of 10 bytes' }],
    ['no head end', 'HTTP/1.1 200 OK\r\n', { ok: false, why: 'the answer ended before its head did' }],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', { ok: false, why: 'not an HTTP answer ("SSH-2.0-OpenSSH")' }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(parseHttpAnswer(Buffer.from(text, 'latin1')), expected));
  }
});

describe('GET /status over a real socket', () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });
  async function serve(handler: (request: string, reply: (text: string) => void) => void): Promise<number> {
    const server = createServer((socket) => {
      let request = '';
      socket.on('data', (chunk) => {
        request += chunk.toString('latin1');
        if (request.includes('\r\n\r\n')) handler(request, (text) => socket.end(text));
      });
      socket.on('error', () => {});
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  }

  it('asks GET /status and returns the body', async () => {
    let asked = '';
    const port = await serve((request, reply) => {
      asked = request;
      reply('HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"state":"ok"}\n');
    });
    assert.deepEqual(await fetchStatus({ host: '127.0.0.1', port }, 2000), { ok: true, body: '{"state":"ok"}\n' });
    assert.match(asked, /^GET \/status HTTP\/1\.0\r\n/);
  });

  it('nothing listening: refused', async () => {
    const port = await serve(() => {});
    servers.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answer = await fetchStatus({ host: '127.0.0.1', port }, 2000);
    assert.deepEqual(answer, { ok: false, refused: true, message: `nothing listens on 127.0.0.1:${port} (connection refused)` });
  });

  it('a server that never answers: bounded by the timeout', async () => {
    const port = await serve(() => {});
    const started = Date.now();
    const answer = await fetchStatus({ host: '127.0.0.1', port }, 300);
    assert.equal(answer.ok, false);
    assert.match(answer.ok ? '' : answer.message, /no answer within 300 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it('a non-200 answer is an error naming the status', async () => {
    const port = await serve((_, reply) => reply('HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n'));
    const answer = await fetchStatus({ host: '127.0.0.1', port }, 2000);
    assert.match(answer.ok ? '' : answer.message, /answered 404: not found/);
  });
});
