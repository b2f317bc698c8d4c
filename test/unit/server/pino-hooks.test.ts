import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino, type Logger } from 'pino';
import { messageOf, pinoHooks } from '../../../src/server/pino-hooks.ts';

test('the message of every shape of pino call', () => {
  assert.equal(messageOf(['plain']), 'plain');
  assert.equal(messageOf([{ port: 1 }, 'with fields']), 'with fields');
  assert.equal(messageOf([new Error('thrown')]), 'thrown');
  assert.equal(messageOf([{ msg: 'in the object' }]), 'in the object');
  assert.equal(messageOf([{ err: new Error('nested') }]), 'nested');
  assert.equal(messageOf([{ port: 1 }]), 'a fatal log line without a message');
});

function logger(threshold?: 'fatal' | 'error'): { fatal: string[]; lines: string[]; log: Logger } {
  const fatal: string[] = [];
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      // The hook has reported the fatal error before pino writes the line.
      lines.push(`${fatal.length}:${chunk.toString().trim()}`);
      done();
    },
  });
  const log: Logger = pino({ hooks: pinoHooks((message) => fatal.push(message), threshold === undefined ? {} : { threshold }) }, destination);
  return { fatal, lines, log };
}

test('a real pino logger: fatal lines are reported before they are written, lower levels are not', () => {
  const { fatal, lines, log } = logger();
  log.error('just an error');
  log.fatal({ disk: 'sda' }, 'disk gone');
  assert.deepEqual(fatal, ['disk gone']);
  assert.equal(lines.length, 2);
  assert.match(lines[1] as string, /^1:\{"level":60,.*"disk":"sda","msg":"disk gone"\}$/);
});

test('with threshold error, an error line counts too', () => {
  const { fatal, log } = logger('error');
  log.warn('a warning');
  log.error('an error');
  assert.deepEqual(fatal, ['an error']);
});
