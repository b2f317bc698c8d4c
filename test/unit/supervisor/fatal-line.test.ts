import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideFatalLine, type FatalLineDecision, type FatalLineSituation } from '../../../src/supervisor/fatal-line.ts';

const plain: FatalLineSituation = { stopRequested: false, fatalErrorReported: false, kitAttached: false };

describe('decideFatalLine: the error-log rule fired on one line', () => {
  const rows: Array<[string, FatalLineSituation, boolean, FatalLineDecision['action']]> = [
    ['a server not on the kit: restart for the line at once', plain, false, 'restart_for_line'],
    ['a kit server: wait for its own report of the same error first', { ...plain, kitAttached: true }, false, 'await_kit_report'],
    ['a kit server that did not report it within the grace: restart for the line', { ...plain, kitAttached: true }, true, 'restart_for_line'],
    ['a kit server that reported it meanwhile: the report wins', { ...plain, kitAttached: true, fatalErrorReported: true }, true, 'ignore'],
    ['a server podvisor is already stopping: ignored', { ...plain, stopRequested: true }, false, 'ignore'],
    ['a kit server being stopped when the grace ends: ignored', { ...plain, kitAttached: true, stopRequested: true }, true, 'ignore'],
  ];
  for (const [name, situation, afterGrace, expected] of rows) it(name, () => assert.equal(decideFatalLine(situation, afterGrace).action, expected));
});
