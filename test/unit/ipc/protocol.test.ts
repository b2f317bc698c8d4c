import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asKitMessage, encodeKitMessage, MAX_FATAL_MESSAGE_CHARACTERS, MAX_MESSAGE_BYTES, parseKitLine, type KitMessage } from '../../../src/ipc/protocol.ts';

describe('the kit protocol', () => {
  const good: KitMessage[] = [
    { podvisor: 1, type: 'hello', state: 'starting', pid: 42 },
    { podvisor: 1, type: 'state', state: 'idle' },
    { podvisor: 1, type: 'sessions', count: 0 },
    { podvisor: 1, type: 'fatal', message: 'cannot bind' },
    { podvisor: 1, type: 'signal', signal: 'SIGINT' },
  ];
  for (const message of good) {
    it(`round-trips ${message.type}`, () => assert.deepEqual(parseKitLine(encodeKitMessage(message).trimEnd()), { ok: true, message }));
  }

  const bad: Array<[string, string, 'not JSON' | 'not a kit message']> = [
    ['a shell echo', 'hello', 'not JSON'],
    ['half a message', '{"podvisor":1,"type":"st', 'not JSON'],
    ['no protocol marker', '{"type":"state","state":"idle"}', 'not a kit message'],
    ['another version', '{"podvisor":2,"type":"state","state":"idle"}', 'not a kit message'],
    ['an unknown type', '{"podvisor":1,"type":"restart"}', 'not a kit message'],
    ['an unknown state', '{"podvisor":1,"type":"state","state":"on_fire"}', 'not a kit message'],
    ['a negative count', '{"podvisor":1,"type":"sessions","count":-1}', 'not a kit message'],
    ['a fractional count', '{"podvisor":1,"type":"sessions","count":1.5}', 'not a kit message'],
    ['a huge count', '{"podvisor":1,"type":"sessions","count":1e300}', 'not a kit message'],
    ['a fatal without text', '{"podvisor":1,"type":"fatal","message":7}', 'not a kit message'],
    ['a signal the kit does not handle', '{"podvisor":1,"type":"signal","signal":"SIGKILL"}', 'not a kit message'],
    ['a signal by number', '{"podvisor":1,"type":"signal","signal":2}', 'not a kit message'],
    ['a signal that is not one', '{"podvisor":1,"type":"signal","signal":"toString"}', 'not a kit message'],
    ['an array', '[1,2,3]', 'not a kit message'],
    ['null', 'null', 'not a kit message'],
    ['__proto__ games', '{"__proto__":{"podvisor":1},"type":"state","state":"idle"}', 'not a kit message'],
  ];
  for (const [name, line, why] of bad) it(`drops ${name}`, () => assert.deepEqual(parseKitLine(line), { ok: false, why }));

  it('keeps only the fields of the message (extra fields are not passed on)', () => {
    assert.deepEqual(asKitMessage({ podvisor: 1, type: 'state', state: 'idle', extra: 'x'.repeat(10) }), { podvisor: 1, type: 'state', state: 'idle' });
  });

  it('cuts a long fatal message on a character boundary, within the line limit', () => {
    for (const text of ['x'.repeat(100_000), '😀'.repeat(5000), '\u0001'.repeat(5000)]) {
      const line = encodeKitMessage({ podvisor: 1, type: 'fatal', message: text });
      assert.ok(Buffer.byteLength(line) <= MAX_MESSAGE_BYTES + 1, `${Buffer.byteLength(line)} bytes`);
      const parsed = parseKitLine(line.trimEnd());
      assert.ok(parsed.ok && parsed.message.type === 'fatal');
      const message = parsed.message.message;
      assert.ok([...message].length <= MAX_FATAL_MESSAGE_CHARACTERS);
      assert.ok(message.endsWith('…'));
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(message), 'no lone surrogate');
    }
  });
});
