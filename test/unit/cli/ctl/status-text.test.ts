import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStatusDocument, shownDuration, statusText } from '../../../../src/cli/ctl/status-text.ts';
import type { StatusDocument } from '../../../../src/observers/http/probe-answers.ts';

const DOCUMENT: StatusDocument = {
  state: 'running',
  stateNumber: 1,
  pid: 12,
  restarts: 2,
  lastExit: { code: 254, signal: null, description: 'exit code 254', stoppedBy: 'podvisor' },
  uptimeSeconds: 190.2,
  supervisorUptimeSeconds: 192.5,
  backoffSeconds: 0,
  sessions: 4,
  fatalLinePending: false,
  suspended: false,
  version: '0.1.0',
};

describe('podvisor ctl status, for people', () => {
  it('PID 1, a kit server with sessions, the last exit stopped by podvisor', () => {
    assert.equal(
      statusText(DOCUMENT, { pid: 1, how: 'pid_1' }),
      'podvisor 0.1.0 (PID 1), up 3m12s\n  state     running\n  server    pid 12, up 3m10s, 4 sessions\n  restarts  2\n  last exit exit code 254 (stopped by podvisor)\n',
    );
  });

  it('from the pid file, in back-off, a crash of its own, a pending fatal line, a stopped server', () => {
    const text = statusText(
      { ...DOCUMENT, state: 'backoff', pid: null, sessions: undefined, backoffSeconds: 4, fatalLinePending: true, suspended: true, lastExit: { code: null, signal: 'SIGSEGV', description: 'signal SIGSEGV' } },
      { pid: 4242, how: 'pid_file', pidFile: '/run/podvisor.pid' },
    );
    assert.equal(
      text,
      'podvisor 0.1.0 (pid 4242 from PODVISOR_PID_FILE="/run/podvisor.pid"), up 3m12s\n  state     backoff\n  server    none running\n' +
        '            a fatal line awaits confirmation (the server serves on meanwhile)\n            the server is stopped (SIGSTOP): not ready\n' +
        '  backoff   4.0s before the next start\n  restarts  2\n  last exit signal SIGSEGV (on its own)\n',
    );
  });

  it('reads /status as podvisor writes it, and refuses what is not', () => {
    assert.deepEqual(parseStatusDocument(JSON.stringify(DOCUMENT)), DOCUMENT);
    assert.equal(parseStatusDocument('not json'), undefined);
    assert.equal(parseStatusDocument('{"hello":"world"}'), undefined);
    assert.equal(parseStatusDocument('null'), undefined);
    assert.equal(parseStatusDocument(JSON.stringify({ ...DOCUMENT, pid: 'twelve' })), undefined);
  });

  const durations: ReadonlyArray<[number, string]> = [[0, '0.0s'], [4.25, '4.3s'], [59.9, '59.9s'], [60, '1m00s'], [192.5, '3m12s'], [3600, '1h00m'], [7500, '2h05m'], [90000, '1d01h']];
  for (const [seconds, expected] of durations) {
    it(`${seconds} s is ${expected}`, () => assert.equal(shownDuration(seconds), expected));
  }
});
