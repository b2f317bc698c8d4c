import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headEnd, parseRequestHead, type HeadResult } from '../../../../src/observers/http/request-head.ts';

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
