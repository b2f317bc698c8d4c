import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCtlArguments, type ParsedCtlArguments } from '../../../../src/cli/ctl/ctl-arguments.ts';

describe('podvisor ctl arguments', () => {
  const cases: ReadonlyArray<[readonly string[], ParsedCtlArguments]> = [
    [['status'], { ok: true, request: { command: 'status', json: false } }],
    [['status', '--json'], { ok: true, request: { command: 'status', json: true } }],
    [['--json', 'status'], { ok: true, request: { command: 'status', json: true } }],
    [['restart'], { ok: true, request: { command: 'restart' } }],
    [['reload'], { ok: true, request: { command: 'reload' } }],
    [['stop'], { ok: true, request: { command: 'stop', now: false } }],
    [['stop', '--now'], { ok: true, request: { command: 'stop', now: true } }],
    [['--help'], { ok: true, request: { command: 'help' } }],
    [['stop', '-h'], { ok: true, request: { command: 'help' } }],
    [[], { ok: false, message: 'a subcommand is needed: status, restart, reload, stop' }],
    [['kill'], { ok: false, message: 'unknown subcommand "kill"; accepted: status, restart, reload, stop' }],
    [['restart', '--now'], { ok: false, message: 'unknown option "--now" for restart; accepted: none' }],
    [['status', '--now'], { ok: false, message: 'unknown option "--now" for status; accepted: --json' }],
    [['stop', 'now'], { ok: false, message: 'stop takes no further words (got "now")' }],
  ];
  for (const [argv, expected] of cases) {
    it(argv.join(' ') || '(nothing)', () => assert.deepEqual(parseCtlArguments(argv), expected));
  }
});
