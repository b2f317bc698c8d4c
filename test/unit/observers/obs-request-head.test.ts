import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionTable } from '../../../src/observers/http/connection-table.ts';
import { connectionLimit } from '../../../src/observers/http/http-limits.ts';
import { headEnd, parseRequestHead, type HeadResult } from '../../../src/observers/http/request-head.ts';
import { responseHead } from '../../../src/observers/http/response-bytes.ts';

const parse = (text: string, max = 8192): HeadResult => parseRequestHead(Buffer.from(text, 'latin1'), max);

describe('parseRequestHead', () => {
  it('reads what probes and scrapers send', () => {
    const probeHead = 'GET /healthz HTTP/1.1\r\nHost: 10.0.0.7:9464\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nConnection: close\r\n\r\n';
    assert.deepEqual(parse(probeHead), { kind: 'request', head: { method: 'GET', target: '/healthz', version: '1.1', accept: '*/*', keepAlive: false, hasBody: false, length: probeHead.length } });
    const prometheus = parse('GET /metrics HTTP/1.1\r\nHost: pod:9464\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\nAccept-Encoding: gzip\r\n\r\n');
    assert.equal(prometheus.kind === 'request' && prometheus.head.keepAlive, true);
    assert.match(prometheus.kind === 'request' ? (prometheus.head.accept ?? '') : '', /openmetrics/);
    // A person typing into nc: bare line feeds, HTTP/1.0 (no Host needed, closes after the answer).
    const typed = parse('GET /status HTTP/1.0\n\n');
    assert.equal(typed.kind === 'request' && typed.head.keepAlive, false);
  });

  it('says when the head is not complete, and when it is too large', () => {
    assert.deepEqual(parse('GET /healthz HTTP/1.1\r\nHost: x\r\n'), { kind: 'incomplete' });
    assert.deepEqual(parse(''), { kind: 'incomplete' });
    assert.deepEqual(parse(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(100)}\r\n\r\n`, 64), { kind: 'too_large' });
    assert.deepEqual(parse(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}`, 64), { kind: 'too_large' });
  });

  it('stops at the first head: what follows is the next request, never part of this one', () => {
    const two = parse('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(two.kind === 'request' && two.head.target, '/healthz');
    assert.equal(two.kind === 'request' && two.head.length, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.length);
    assert.equal(headEnd(Buffer.from('a\r\n\r\nb'), 100), 5);
    assert.equal(headEnd(Buffer.from('a\n\nb'), 100), 3);
  });

  it('notes a body (which is never read) from Content-Length or Transfer-Encoding', () => {
    const post = parse('POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n');
    assert.equal(post.kind === 'request' && post.head.hasBody, true);
    const chunked = parse('POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    assert.equal(chunked.kind === 'request' && chunked.head.hasBody, true);
    const empty = parse('GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    assert.equal(empty.kind === 'request' && empty.head.hasBody, false);
  });

  const bad: Array<[string, string]> = [
    ['no version', 'GET /healthz\r\n\r\n'],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a folded header', 'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['a control character in a value', 'GET / HTTP/1.1\r\nHost: x\u0001\r\n\r\n'],
    ['a control character in the target', 'GET /a\u0001 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['Content-Length that is not a number', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n'],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['Content-Length and Transfer-Encoding (request smuggling)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['a method that is not a token', 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n'],
  ];
  for (const [name, text] of bad) {
    it(`refuses ${name}`, () => {
      assert.equal(parse(text).kind, 'bad');
    });
  }
});

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

describe('ConnectionTable: the connection closed for room is the one without progress for the longest', () => {
  it('orders by last progress', () => {
    const table = new ConnectionTable<string>();
    table.add('silent', 0);
    table.add('scraper', 1);
    table.add('probe', 2);
    assert.equal(table.stalest(), 'silent');
    table.progressed('silent', 3);
    assert.equal(table.stalest(), 'scraper');
    table.remove('scraper');
    assert.equal(table.stalest(), 'probe');
    table.progressed('gone', 4);
    assert.equal(table.size, 2);
    assert.deepEqual([...table], ['probe', 'silent']);
  });
});

describe('connectionLimit', () => {
  const limits = (soft: string): string => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
  const cases: Array<[string, number, string | undefined, number]> = [
    ['a container with nofile 1024', 16384, limits('1024'), 960],
    ['a roomy limit', 16384, limits('1048576'), 16384],
    ['unlimited', 16384, limits('unlimited'), 16384],
    ['a tiny limit still leaves a few', 16384, limits('32'), 8],
    ['/proc unreadable', 16384, undefined, 16384],
  ];
  for (const [name, configured, text, expected] of cases) {
    it(name, () => assert.equal(connectionLimit(configured, text), expected));
  }
});
