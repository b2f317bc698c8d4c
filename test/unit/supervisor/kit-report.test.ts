import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KitMessage } from '../../../src/ipc/protocol.ts';
import { decideKitReport, type KitReportDecision, type KitReportSituation } from '../../../src/supervisor/kit-report.ts';

const serving: KitReportSituation = { stopRequested: false, deadlineArmed: false, fatalErrorReported: false };
const stopping: KitReportSituation = { stopRequested: true, deadlineArmed: true, fatalErrorReported: false };
const failed: KitReportSituation = { stopRequested: false, deadlineArmed: true, fatalErrorReported: true };
const state = (value: Extract<KitMessage, { type: 'state' }>['state']): KitMessage => ({ podvisor: 1, type: 'state', state: value });

describe('decideKitReport: what each kit message changes', () => {
  const rows: Array<[string, KitMessage, KitReportSituation, KitReportDecision]> = [
    ['hello: the kit owns the state from now on', { podvisor: 1, type: 'hello', state: 'starting', pid: 7 }, serving, { kitAttached: true, stateInput: { type: 'kit_attached', state: 'starting' } }],
    ['hello after a stop was asked: attached, the state stays shutting_down', { podvisor: 1, type: 'hello', state: 'starting', pid: 7 }, stopping, { kitAttached: true }],
    ['running: the state', state('running'), serving, { stateInput: { type: 'kit_reported', state: 'running' } }],
    ['idle: the state', state('idle'), serving, { stateInput: { type: 'kit_reported', state: 'idle' } }],
    ['refusing_connections: the state', state('refusing_connections'), serving, { stateInput: { type: 'kit_reported', state: 'refusing_connections' } }],
    ['shutting_down on its own: the state, and the deadline holds it', state('shutting_down'), serving, { stateInput: { type: 'kit_reported', state: 'shutting_down' }, armDeadline: true }],
    ['fatal_error as a state: the fatal error counts, and the deadline holds its drain', state('fatal_error'), serving, { stateInput: { type: 'kit_reported', state: 'fatal_error' }, fatalErrorReported: true, armDeadline: true }],
    ['after a stop was asked, running is ignored', state('running'), stopping, {}],
    ['after a stop was asked, idle is ignored', state('idle'), stopping, {}],
    ['after a stop was asked, shutting_down still counts (the deadline is armed already)', state('shutting_down'), stopping, { stateInput: { type: 'kit_reported', state: 'shutting_down' } }],
    ['after a stop was asked, fatal_error still counts', state('fatal_error'), stopping, { stateInput: { type: 'kit_reported', state: 'fatal_error' }, fatalErrorReported: true }],
    ['sessions: the count', { podvisor: 1, type: 'sessions', count: 12 }, serving, { sessions: 12 }],
    ['sessions while stopping: still counted (the drain empties them)', { podvisor: 1, type: 'sessions', count: 3 }, stopping, { sessions: 3 }],
    ['a second fatal report of the same server: ignored (a burst is one error)', { podvisor: 1, type: 'fatal', message: 'again' }, failed, {}],
    ['fatal_error as a state after a fatal report: ignored', state('fatal_error'), failed, {}],
    ['signal: passed on as received (the supervisor asks whether it was a keystroke)', { podvisor: 1, type: 'signal', signal: 'SIGINT' }, serving, { signalReceived: 'SIGINT' }],
    ['signal while stopping: passed on too (a second Ctrl-C during the drain quits)', { podvisor: 1, type: 'signal', signal: 'SIGINT' }, stopping, { signalReceived: 'SIGINT' }],
    ['fatal: fatal_error, the message, the deadline', { podvisor: 1, type: 'fatal', message: 'cannot bind' }, serving, { stateInput: { type: 'kit_reported', state: 'fatal_error' }, fatalErrorReported: true, fatalMessage: 'cannot bind', armDeadline: true }],
  ];
  for (const [name, message, situation, expected] of rows) it(name, () => assert.deepEqual(decideKitReport(message, situation), expected));
});
