import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleListener, ERROR_VERBOSITIES, ErrorLog, formatEntry, isErrorVerbosity, isWithin, type ErrorLogEntry } from '../../../src/server/error-log.ts';

const at = new Date('2026-11-26T01:02:03.004Z');

test("the Darwin Streaming Server's five verbosities, most severe first (qtssFatalVerbosity = 0 … qtssDebugVerbosity = 4)", () => {
  assert.deepEqual(ERROR_VERBOSITIES, ['fatal', 'warning', 'message', 'assert', 'debug']);
  assert.ok(isErrorVerbosity('assert'));
  assert.ok(!isErrorVerbosity('error'));
  assert.ok(isWithin('fatal', 'fatal'));
  assert.ok(isWithin('warning', 'message'));
  assert.ok(!isWithin('debug', 'message'));
});

test('an entry is one line that begins with the time, not with a level word', () => {
  assert.equal(formatEntry({ verbosity: 'fatal', message: 'disk gone', time: at, source: 'logError' }), '2026-11-26T01:02:03.004Z FATAL: disk gone\n');
});

test('every listener hears every entry, in order, even when one throws', () => {
  const log = new ErrorLog();
  const heard: string[] = [];
  log.add((entry) => heard.push(`a:${entry.message}`));
  log.add(() => {
    throw new Error('listener bug');
  });
  const remove = log.add((entry) => heard.push(`c:${entry.message}`));
  log.publish({ verbosity: 'warning', message: 'one', time: at, source: 'logError' });
  remove();
  log.publish({ verbosity: 'warning', message: 'two', time: at, source: 'logError' });
  assert.deepEqual(heard, ['a:one', 'c:one', 'a:two']);
});

test('the console listener writes entries within its verbosity, and never a line pino wrote itself', () => {
  const written: string[] = [];
  const listener = consoleListener('warning', (text) => written.push(text));
  const entry = (verbosity: ErrorLogEntry['verbosity'], source: ErrorLogEntry['source'] = 'logError'): ErrorLogEntry => ({ verbosity, message: verbosity, time: at, source });
  listener(entry('fatal'));
  listener(entry('warning'));
  listener(entry('message'));
  listener(entry('fatal', 'pino'));
  assert.deepEqual(written, ['2026-11-26T01:02:03.004Z FATAL: fatal\n', '2026-11-26T01:02:03.004Z WARNING: warning\n']);
});
