import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cutToBytes,
  EMPTY_TERMINATION_RECORD,
  recordTermination,
  TERMINATION_MESSAGE_MAX_BYTES,
  terminationMessage,
  type TerminationRecord,
  type TerminationSummary,
} from '../../../src/observers/termination-message.ts';
import type { SupervisionEvent } from '../../../src/supervisor/events.ts';
import { Supervision, type SupervisionSnapshot } from '../../../src/supervisor/supervision.ts';

const record = (fields: Partial<TerminationRecord>): TerminationRecord => ({ ...EMPTY_TERMINATION_RECORD, ...fields });

describe('the termination message', () => {
  const cases: ReadonlyArray<[string, TerminationSummary, string]> = [
    [
      'a shutdown: the signal, why, the last exit stopped by podvisor, restarts',
      { kind: 'supervision', status: 0, record: record({ why: 'the server ended (signal SIGTERM)', shutdownSignal: 'SIGTERM', lastExit: { code: null, signal: 'SIGTERM', stoppedBy: 'podvisor' }, restarts: 4 }) },
      "podvisor exited 0 (shut down on SIGTERM): the server ended (signal SIGTERM)\nserver's last exit: signal SIGTERM, stopped by podvisor\nrestarts: 4\n",
    ],
    [
      'giving up after a crash loop, with the fatal line that started it (confirmed)',
      {
        kind: 'supervision',
        status: 1,
        record: record({
          why: 'gave up: more than 10 restarts within 300000 ms',
          lastExit: { code: 3, signal: null },
          restarts: 10,
          fatal: { line: '{"level":60,"msg":"database connection lost"}', source: 'log', stream: 'stderr', outcome: 'confirmed' },
        }),
      },
      'podvisor exited 1: gave up: more than 10 restarts within 300000 ms\nserver\'s last exit: exit code 3, on its own\nrestarts: 10\nlast fatal line (stderr, confirmed): {"level":60,"msg":"database connection lost"}\n',
    ],
    [
      'a fatal line the server served on after, and a kit report',
      { kind: 'supervision', status: 0, record: record({ why: 'the server ended (exit code 0)', lastExit: { code: 0, signal: null }, fatal: { line: '[emerg] reload failed', source: 'log', stream: 'stdout', outcome: 'not_confirmed' } }) },
      "podvisor exited 0: the server ended (exit code 0)\nserver's last exit: exit code 0, on its own\nrestarts: 0\nlast fatal line (stdout, not confirmed: the server served on): [emerg] reload failed\n",
    ],
    [
      "a kit server's own report",
      { kind: 'supervision', status: 255, record: record({ why: 'the server ended (exit code 255)', lastExit: { code: 255, signal: null }, fatal: { line: 'cannot bind :8080', source: 'kit', outcome: 'confirmed' } }) },
      "podvisor exited 255: the server ended (exit code 255)\nserver's last exit: exit code 255, on its own\nrestarts: 0\nlast fatal line (kit report, confirmed): cannot bind :8080\n",
    ],
    [
      'the server cannot be executed: the spawn failure is the why',
      { kind: 'supervision', status: 127, record: record({ why: 'the server could not be executed', spawnFailure: 'cannot run the server: "/nope" was not found (not a file, and not on PATH)' }) },
      'podvisor exited 127: cannot run the server: "/nope" was not found (not a file, and not on PATH)\nserver\'s last exit: none (it never ended after starting)\nrestarts: 0\n',
    ],
    [
      'bad configuration: every bad setting, one a line',
      { kind: 'configuration', status: 2, errors: ['PODVISOR_DRAIN_SECONDS="-1" is not valid; accepted: a number', 'unknown flag "--nope": see podvisor --help for the flags'] },
      'podvisor exited 2: bad configuration, nothing started\nPODVISOR_DRAIN_SECONDS="-1" is not valid; accepted: a number\nunknown flag "--nope": see podvisor --help for the flags\n',
    ],
    [
      'podvisor itself failed',
      { kind: 'supervision', status: 1, record: record({ lastExit: { code: null, signal: 'SIGKILL', stoppedBy: 'podvisor' }, restarts: 2 }), failure: 'out of file descriptors' },
      "podvisor exited 1: podvisor failed: out of file descriptors\nserver's last exit: signal SIGKILL, stopped by podvisor\nrestarts: 2\n",
    ],
  ];
  for (const [name, summary, expected] of cases) {
    it(name, () => assert.equal(terminationMessage(summary), expected));
  }

  it('is at most 4 KiB of UTF-8, cut on a character boundary, the first lines kept', () => {
    const errors = Array.from({ length: 50 }, (_, index) => `PODVISOR_LOG_LEVEL="${'é€😀'.repeat(20)}${index}" is not valid`);
    const message = terminationMessage({ kind: 'configuration', status: 2, errors });
    const bytes = Buffer.from(message, 'utf8');
    assert.ok(bytes.length <= TERMINATION_MESSAGE_MAX_BYTES && bytes.length > TERMINATION_MESSAGE_MAX_BYTES - 4, `${bytes.length} bytes`);
    assert.equal(bytes.toString('utf8'), message, 'no broken character');
    assert.ok(!message.includes('\uFFFD'));
    assert.ok(message.startsWith('podvisor exited 2: bad configuration, nothing started\n'));
    assert.ok(message.endsWith('…'));
  });

  it('quotes a long fatal line as podvisor quotes lines (512 characters)', () => {
    const message = terminationMessage({ kind: 'supervision', status: 1, record: record({ fatal: { line: 'x'.repeat(5000), source: 'log', stream: 'stdout', outcome: 'pending' } }) });
    assert.match(message, /last fatal line \(stdout, not yet confirmed\): x{511}…\n$/);
  });
});

describe('cutToBytes', () => {
  const cases: ReadonlyArray<[string, string, number, string]> = [
    ['short text is kept', 'abc', 10, 'abc'],
    ['exactly the limit is kept', 'abcd', 4, 'abcd'],
    ['ASCII cut with an ellipsis (3 bytes)', 'abcdefgh', 6, 'abc…'],
    ['a 2-byte character is never halved', 'aéé', 4, 'a…'],
    ['a 2-byte character kept whole when it fits', 'abéééé', 7, 'abé…'],
    ['a 4-byte character is never halved', 'ab😀cd', 7, 'ab…'],
    ['a limit below the ellipsis: cut without one', 'abcdef', 2, 'ab'],
    ['a limit of 0', 'abc', 0, ''],
  ];
  for (const [name, text, limit, expected] of cases) {
    it(name, () => {
      assert.equal(cutToBytes(text, limit), expected);
      assert.ok(Buffer.byteLength(cutToBytes(text, limit)) <= limit);
    });
  }
});

describe('what the termination message records of a run', () => {
  const snapshot = (fields: Partial<SupervisionSnapshot> = {}): SupervisionSnapshot => ({ ...new Supervision({ now: 0 }).snapshot, ...fields });
  const events: ReadonlyArray<[string, ReadonlyArray<[SupervisionEvent, Partial<SupervisionSnapshot>]>, Partial<TerminationRecord>]> = [
    ['nothing yet', [], {}],
    [
      'the last exit and restarts come from the snapshot',
      [[{ type: 'restart_scheduled', reason: 'exit_code', delayMs: 10, cause: 'exit code 3' }, { restarts: 1, lastExit: { code: 3, signal: null } }]],
      { restarts: 1, lastExit: { code: 3, signal: null } },
    ],
    [
      'a fatal line, then its confirmation',
      [
        [{ type: 'fatal_reported', source: 'log', line: 'FATAL: x', stream: 'stderr' }, {}],
        [{ type: 'fatal_confirmed', by: 'exit', line: 'FATAL: x' }, {}],
      ],
      { fatal: { line: 'FATAL: x', source: 'log', stream: 'stderr', outcome: 'confirmed' } },
    ],
    [
      'a fatal line not confirmed, then a later one pending',
      [
        [{ type: 'fatal_reported', source: 'log', line: 'first', stream: 'stdout' }, {}],
        [{ type: 'fatal_not_confirmed', line: 'first', seconds: 5 }, {}],
        [{ type: 'fatal_reported', source: 'log', line: 'second', stream: 'stdout' }, {}],
      ],
      { fatal: { line: 'second', source: 'log', stream: 'stdout', outcome: 'pending' } },
    ],
    ['a kit report is its own confirmation', [[{ type: 'fatal_reported', source: 'kit', line: 'boom' }, {}]], { fatal: { line: 'boom', source: 'kit', outcome: 'confirmed' } }],
    [
      'a spawn failure, forgotten once a server starts again',
      [
        [{ type: 'server_spawn_failed', command: ['x'], message: 'cannot run', status: 127 }, {}],
        [{ type: 'server_spawned', pid: 5, command: ['x'] }, {}],
      ],
      {},
    ],
    [
      'the shutdown signal and why supervision ended',
      [
        [{ type: 'shutdown_started', signal: 'SIGQUIT', delaySeconds: 0 }, {}],
        [{ type: 'supervisor_exiting', status: 0, why: 'the server ended (exit code 0)' }, {}],
      ],
      { shutdownSignal: 'SIGQUIT', why: 'the server ended (exit code 0)' },
    ],
  ];
  for (const [name, sequence, expected] of events) {
    it(name, () => {
      const result = sequence.reduce((current, [event, fields]) => recordTermination(current, event, snapshot(fields)), EMPTY_TERMINATION_RECORD);
      assert.deepEqual(result, record(expected));
    });
  }
});
