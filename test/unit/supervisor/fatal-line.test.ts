import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadinessCheck } from '../../../src/config/readiness-setting.ts';
import { confirmationProbe, countFailures, decideFatalLine, type ConfirmationProbe, type FatalLineDecision, type FatalLineSituation } from '../../../src/supervisor/fatal-line.ts';

const plain: FatalLineSituation = { stopRequested: false, fatalErrorReported: false, kitAttached: false, confirming: false };

describe('decideFatalLine: the error-log rule fired on one line', () => {
  const rows: Array<[string, FatalLineSituation, boolean, FatalLineDecision['action']]> = [
    ['a server not on the kit: confirm the fault', plain, false, 'confirm'],
    ['a kit server: wait for its own report of the same error first', { ...plain, kitAttached: true }, false, 'await_kit_report'],
    ['a kit server that did not report it within the grace: confirm the fault', { ...plain, kitAttached: true }, true, 'confirm'],
    ['a kit server that reported it meanwhile: the report wins', { ...plain, kitAttached: true, fatalErrorReported: true }, true, 'ignore'],
    ['a server podvisor is already stopping (or in the shutdown delay): ignored', { ...plain, stopRequested: true }, false, 'ignore'],
    ['a kit server being stopped when the grace ends: ignored', { ...plain, kitAttached: true, stopRequested: true }, true, 'ignore'],
    ['another fatal line while the first awaits confirmation: part of the same fault', { ...plain, confirming: true }, false, 'ignore'],
  ];
  for (const [name, situation, afterGrace, expected] of rows) it(name, () => assert.equal(decideFatalLine(situation, afterGrace).action, expected));
});

describe('confirmationProbe: what confirms a fatal line besides the exit', () => {
  const socket = { host: '127.0.0.1', port: 8080, inode: 1 };
  const tcp: ReadinessCheck = { kind: 'tcp', host: '127.0.0.1', port: 9000 };
  const rows: Array<[string, ReadinessCheck, ConfirmationProbe]> = [
    ['a configured tcp: check', tcp, { kind: 'check', check: tcp as Extract<ReadinessCheck, { kind: 'tcp' }> }],
    ['auto, with ports listened on: those ports', { kind: 'auto' }, { kind: 'ports', sockets: [socket] }],
    ['the kit readiness, with ports: those ports', { kind: 'kit' }, { kind: 'ports', sockets: [socket] }],
  ];
  for (const [name, readiness, expected] of rows) it(name, () => assert.deepEqual(confirmationProbe(readiness, [socket]), expected));
  it('auto, with no port: only the exit', () => assert.deepEqual(confirmationProbe({ kind: 'auto' }, []), { kind: 'exit_only' }));
});

describe('countFailures: two failed answers in a row confirm', () => {
  const rows: Array<[number[], boolean[], number[], boolean]> = [
    [[], [true, true], [0, 0], false],
    [[], [false, true], [1, 0], false],
    [[1, 0], [false, true], [2, 0], true],
    [[1, 0], [true, false], [0, 1], false],
  ];
  for (const [previous, answered, failures, confirmed] of rows) {
    it(`${JSON.stringify(previous)} + ${JSON.stringify(answered)}`, () => assert.deepEqual(countFailures(previous, answered), { failures, confirmed }));
  }
});
