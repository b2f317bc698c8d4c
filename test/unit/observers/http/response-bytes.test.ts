import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { responseHead } from '../../../../src/observers/http/response-bytes.ts';

describe('responseHead', () => {
  it('frames an answer for keep-alive and for close', () => {
    const kept = responseHead({ status: 200, contentType: 'text/plain', body: Buffer.from('ok\n') }, { keepAlive: true, keepAliveSeconds: 5, date: 'Mon, 30 Nov 2026 00:00:00 GMT' }).toString('latin1');
    assert.equal(kept, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\nContent-Length: 3\r\nDate: Mon, 30 Nov 2026 00:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n');
    const closed = responseHead({ status: 405, contentType: 'text/plain', body: Buffer.from('é'), headers: { Allow: 'GET, HEAD' } }, { keepAlive: false, keepAliveSeconds: 5, date: 'd' }).toString('latin1');
    assert.match(closed, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(closed, /Content-Length: 2\r\n/);
    assert.match(closed, /Allow: GET, HEAD\r\nConnection: close\r\n\r\n$/);
  });
});
