import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAfterExit, type ExitFacts, type RestartPolicy } from '../../../src/supervisor/restart-decision.ts';
import type { ServerExit } from '../../../src/supervisor/events.ts';

const code = (value: number): ServerExit => ({ code: value, signal: null });
const killed = (signal: NodeJS.Signals): ServerExit => ({ code: null, signal });

function facts(exit: ServerExit, overrides: Partial<ExitFacts> = {}): ExitFacts {
  return { exit, policy: 'dss', autoRestart: true, stopCause: undefined, fatalErrorReported: false, killedAtDeadline: false, ...overrides };
}

describe('decideAfterExit: SPEC §3, policy dss', () => {
  const rows: Array<[string, ServerExit, ReturnType<typeof decideAfterExit>]> = [
    ['exits 0 → podvisor exits 0', code(0), { action: 'exit', status: 0 }],
    ["exits 255 (the seed's exit(-1)) → no restart, exits 255", code(255), { action: 'exit', status: 255 }],
    ["exits 254 (the seed's exit(-2)) → restart", code(254), { action: 'restart', reason: 'exit_code' }],
    ['exits 1 → restart', code(1), { action: 'restart', reason: 'exit_code' }],
    ['exits 3 → restart', code(3), { action: 'restart', reason: 'exit_code' }],
    ['killed by SIGKILL (OOM) → restart', killed('SIGKILL'), { action: 'restart', reason: 'signal' }],
    ['killed by SIGSEGV → restart', killed('SIGSEGV'), { action: 'restart', reason: 'signal' }],
  ];
  for (const [name, exit, expected] of rows) {
    it(name, () => assert.deepEqual(decideAfterExit(facts(exit)), expected));
  }
  it('a fatal line: restarted with reason fatal_log whatever the exit status', () => {
    for (const exit of [code(0), code(255), killed('SIGTERM')]) {
      assert.deepEqual(decideAfterExit(facts(exit, { stopCause: { kind: 'restart', reason: 'fatal_log' } })), { action: 'restart', reason: 'fatal_log' });
    }
  });
  it("the kit's fatal error: restarted with reason fatal_error", () => {
    assert.deepEqual(decideAfterExit(facts(code(254), { fatalErrorReported: true })), { action: 'restart', reason: 'fatal_error' });
  });
  it('SIGINT and a readiness timeout restart with their own reasons', () => {
    assert.deepEqual(decideAfterExit(facts(code(254), { stopCause: { kind: 'restart', reason: 'sigint' } })), { action: 'restart', reason: 'sigint' });
    assert.deepEqual(decideAfterExit(facts(killed('SIGTERM'), { stopCause: { kind: 'restart', reason: 'readiness_timeout' } })), { action: 'restart', reason: 'readiness_timeout' });
  });
});

describe('decideAfterExit: the other policies', () => {
  const table: Array<[RestartPolicy, ServerExit, ReturnType<typeof decideAfterExit>]> = [
    ['always', code(0), { action: 'restart', reason: 'exit_code' }],
    ['always', code(255), { action: 'restart', reason: 'exit_code' }],
    ['always', killed('SIGKILL'), { action: 'restart', reason: 'signal' }],
    ['on-failure', code(0), { action: 'exit', status: 0 }],
    ['on-failure', code(255), { action: 'restart', reason: 'exit_code' }],
    ['on-failure', code(2), { action: 'restart', reason: 'exit_code' }],
    ['on-failure', killed('SIGABRT'), { action: 'restart', reason: 'signal' }],
    ['never', code(0), { action: 'exit', status: 0 }],
    ['never', code(3), { action: 'exit', status: 3 }],
    ['never', killed('SIGKILL'), { action: 'exit', status: 137 }],
    ['never', killed('SIGSEGV'), { action: 'exit', status: 139 }],
  ];
  for (const [policy, exit, expected] of table) {
    it(`${policy}: ${JSON.stringify(exit)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(decideAfterExit(facts(exit, { policy })), expected));
  }
  it('never: even a fatal line does not restart', () => {
    assert.deepEqual(decideAfterExit(facts(code(0), { policy: 'never', stopCause: { kind: 'restart', reason: 'fatal_log' } })), { action: 'exit', status: 0 });
  });
});

describe('decideAfterExit: autoRestart off (the prefs file)', () => {
  it("exits with the server's own status instead of restarting", () => {
    assert.deepEqual(decideAfterExit(facts(code(3), { autoRestart: false })), { action: 'exit', status: 3 });
    assert.deepEqual(decideAfterExit(facts(killed('SIGKILL'), { autoRestart: false })), { action: 'exit', status: 137 });
  });
});

describe('decideAfterExit: shutdown (SPEC §4)', () => {
  const shutdown = { kind: 'shutdown', signal: 'SIGTERM' } as const;
  it('exits 0 when the server exited 0', () => assert.deepEqual(decideAfterExit(facts(code(0), { stopCause: shutdown })), { action: 'exit', status: 0 }));
  it('exits 0 when the server died of the forwarded signal', () => assert.deepEqual(decideAfterExit(facts(killed('SIGTERM'), { stopCause: shutdown })), { action: 'exit', status: 0 }));
  it('SIGQUIT: dying of SIGQUIT is clean too', () => assert.deepEqual(decideAfterExit(facts(killed('SIGQUIT'), { stopCause: { kind: 'shutdown', signal: 'SIGQUIT' } })), { action: 'exit', status: 0 }));
  it('exits 137 when it had to be killed at the deadline', () => assert.deepEqual(decideAfterExit(facts(killed('SIGKILL'), { stopCause: shutdown, killedAtDeadline: true })), { action: 'exit', status: 137 }));
  it("passes on another exit code of the server's", () => assert.deepEqual(decideAfterExit(facts(code(4), { stopCause: shutdown })), { action: 'exit', status: 4 }));
  it('never restarts during shutdown, whatever the policy', () => {
    for (const policy of ['dss', 'always', 'on-failure'] as const) {
      assert.equal(decideAfterExit(facts(code(254), { policy, stopCause: shutdown })).action, 'exit');
    }
  });
});
