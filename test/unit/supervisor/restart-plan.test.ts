import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestartPolicy } from '../../../src/config/restart-policy.ts';
import {
  decideAfterExit,
  effectiveStopCause,
  NO_RESTARTS,
  planAfterBackoff,
  planAfterExit,
  restartCause,
  type ExitFacts,
  type RestartInput,
  type RestartPlan,
  type RestartSettings,
} from '../../../src/supervisor/restart-plan.ts';
import type { ServerExit } from '../../../src/process/server-exit.ts';

const code = (value: number): ServerExit => ({ code: value, signal: null });
const killed = (signal: NodeJS.Signals): ServerExit => ({ code: null, signal });

function facts(exit: ServerExit, overrides: Partial<ExitFacts> = {}): ExitFacts {
  return { exit, policy: 'dss', autoRestart: true, stopCause: undefined, fatalErrorReported: false, killedAtDeadline: false, ...overrides };
}

describe('decideAfterExit: the exit-code protocol, policy dss', () => {
  const rows: Array<[string, ServerExit, ReturnType<typeof decideAfterExit>]> = [
    ['exits 0 → podvisor exits 0', code(0), { action: 'exit', status: 0 }],
    ["exits 255 (the Darwin Streaming Server's exit(-1)) → no restart, exits 255", code(255), { action: 'exit', status: 255 }],
    ["exits 254 (the Darwin Streaming Server's exit(-2)) → restart", code(254), { action: 'restart', reason: 'exit_code' }],
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

describe('decideAfterExit: shutdown', () => {
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

describe('decideAfterExit: a shutdown outranks a restart podvisor had asked for', () => {
  it('SIGTERM during a SIGINT restart: the shutdown decides', () => {
    assert.deepEqual(decideAfterExit(facts(killed('SIGTERM'), { stopCause: { kind: 'restart', reason: 'sigint' }, shutdownSignal: 'SIGTERM' })), { action: 'exit', status: 0 });
  });
  it('effectiveStopCause: shutdown, else the restart cause, else none', () => {
    assert.deepEqual(effectiveStopCause({ stopCause: { kind: 'restart', reason: 'fatal_log' }, shutdownSignal: 'SIGQUIT' }), { kind: 'shutdown', signal: 'SIGQUIT' });
    assert.deepEqual(effectiveStopCause({ stopCause: { kind: 'restart', reason: 'fatal_log' }, shutdownSignal: undefined }), { kind: 'restart', reason: 'fatal_log' });
    assert.equal(effectiveStopCause({ stopCause: undefined, shutdownSignal: undefined }), undefined);
  });
});

describe('decideAfterExit: a Ctrl-C or Ctrl-\\ at the terminal ended the server (keystroke)', () => {
  const rows: Array<[string, Partial<ExitFacts>, ServerExit, ReturnType<typeof decideAfterExit>]> = [
    ['Ctrl-C, as SIGINT to podvisor: a restart in place (reason sigint)', { keystroke: 'SIGINT', stopCause: { kind: 'restart', reason: 'sigint' } }, killed('SIGINT'), { action: 'restart', reason: 'sigint' }],
    ['Ctrl-C twice: shut down with SIGINT; dying of the keystroke is a clean end', { keystroke: 'SIGINT', stopCause: { kind: 'shutdown', signal: 'SIGTERM' }, shutdownSignal: 'SIGTERM' }, killed('SIGINT'), { action: 'exit', status: 0 }],
    ['Ctrl-\\: shut down as on SIGQUIT, exit 0', { keystroke: 'SIGQUIT', stopCause: { kind: 'shutdown', signal: 'SIGQUIT' }, shutdownSignal: 'SIGQUIT' }, killed('SIGQUIT'), { action: 'exit', status: 0 }],
    ['Ctrl-C during a shutdown podvisor had begun (SIGTERM): a clean end too', { keystroke: 'SIGINT', shutdownSignal: 'SIGTERM' }, killed('SIGINT'), { action: 'exit', status: 0 }],
    ['without the keystroke, dying of SIGINT during a SIGTERM shutdown is the server\'s own end: 130', { shutdownSignal: 'SIGTERM' }, killed('SIGINT'), { action: 'exit', status: 130 }],
    ['Ctrl-C with the restart policy never: exits with the status of the signal, 130', { keystroke: 'SIGINT', policy: 'never', stopCause: { kind: 'restart', reason: 'sigint' } }, killed('SIGINT'), { action: 'exit', status: 130 }],
    ['Ctrl-C twice at a script that traps it and exits 130: a clean end', { keystroke: 'SIGINT', stopCause: { kind: 'shutdown', signal: 'SIGTERM' }, shutdownSignal: 'SIGTERM' }, code(130), { action: 'exit', status: 0 }],
    ['Ctrl-\\ at a script that exits 131: a clean end', { keystroke: 'SIGQUIT', stopCause: { kind: 'shutdown', signal: 'SIGQUIT' }, shutdownSignal: 'SIGQUIT' }, code(131), { action: 'exit', status: 0 }],
    ['exit 130 in a SIGTERM shutdown without a keystroke or SIGINT: the server\'s own status', { shutdownSignal: 'SIGTERM' }, code(130), { action: 'exit', status: 130 }],
    ['Ctrl-C twice at a kit server (the second reaches the next server, which podvisor stops with SIGTERM): exit 0', { stopCause: { kind: 'shutdown', signal: 'SIGTERM' }, shutdownSignal: 'SIGTERM', signalsSent: ['SIGTERM'] }, code(0), { action: 'exit', status: 0 }],
  ];
  for (const [name, overrides, exit, expected] of rows) it(name, () => assert.deepEqual(decideAfterExit(facts(exit, overrides)), expected));
});

const SETTINGS: RestartSettings = { restartDelayMs: 1000, backoffMaxMs: 30000, stableAfterMs: 60000, startLimit: { burst: 3, intervalMs: 300000 } };
const NO_JITTER = (): number => 0.5;

function plan(exit: ServerExit, overrides: Partial<RestartInput> & { readonly exitFacts?: Partial<ExitFacts> } = {}): RestartPlan {
  const { exitFacts, ...rest } = overrides;
  return planAfterExit({ facts: facts(exit, exitFacts), fatalLine: undefined, ranForMs: 100, now: 1_000_000, history: NO_RESTARTS, settings: SETTINGS, random: NO_JITTER, ...rest });
}

describe('planAfterExit: exit, give up, or restart after which delay', () => {
  it('an exit decision carries its status and why', () => assert.deepEqual(plan(code(0)), { action: 'exit', status: 0, why: 'the server ended (exit code 0)' }));
  it('the first restart waits the restart delay and is counted', () => {
    const result = plan(code(3));
    assert.deepEqual(result, { action: 'restart', reason: 'exit_code', delayMs: 1000, cause: 'exit code 3', history: { restartTimes: [1_000_000], streak: 1 } });
  });
  it('a further short run doubles the delay', () => {
    const result = plan(code(3), { history: { restartTimes: [999_000], streak: 1 } });
    assert.equal(result.action === 'restart' ? result.delayMs : undefined, 2000);
  });
  it('a stable run resets the delay', () => {
    const result = plan(code(3), { history: { restartTimes: [900_000], streak: 4 }, ranForMs: 60000 });
    assert.equal(result.action === 'restart' ? result.delayMs : undefined, 1000);
  });
  it('the start limit reached: give up with status 1', () => {
    const result = plan(code(3), { history: { restartTimes: [990_000, 995_000, 999_000], streak: 3 } });
    assert.deepEqual(result, { action: 'give_up', status: 1, why: 'gave up: more than 3 restarts within 300000 ms' });
  });
  it('restarts outside the interval do not count', () => {
    assert.equal(plan(code(3), { history: { restartTimes: [1, 2, 3], streak: 3 } }).action, 'restart');
  });
  it('a SIGINT restart is exempt from the start limit and from back-off, and is not counted', () => {
    const history = { restartTimes: [990_000, 995_000, 999_000], streak: 3 };
    const result = plan(code(254), { history, exitFacts: { stopCause: { kind: 'restart', reason: 'sigint' } } });
    assert.deepEqual(result, { action: 'restart', reason: 'sigint', delayMs: 0, cause: 'exit code 254', history });
  });
  it('the history keeps only the last burst + 1 restart times', () => {
    const result = plan(code(3), { history: { restartTimes: [1, 2, 3, 4], streak: 0 } });
    assert.deepEqual(result.action === 'restart' ? result.history.restartTimes : undefined, [2, 3, 4, 1_000_000]);
  });
  it('a restart during shutdown never happens: the shutdown status instead', () => {
    assert.deepEqual(plan(code(254), { exitFacts: { shutdownSignal: 'SIGTERM' } }), { action: 'exit', status: 254, why: 'the server ended (exit code 254)' });
  });
});

describe('restartCause: what a restart is logged and recorded with, saying whose doing the end was', () => {
  const rows: Array<[string, Partial<ExitFacts>, ServerExit, string | undefined, string]> = [
    ['the server ended on its own', {}, code(3), undefined, 'exit code 3'],
    ['it was killed by someone else', {}, killed('SIGSEGV'), undefined, 'signal SIGSEGV'],
    ['SIGINT: the end, podvisor\'s doing', { stopCause: { kind: 'restart', reason: 'sigint' }, signalsSent: ['SIGINT'] }, code(254), undefined, "exit code 254, after podvisor's SIGINT"],
    ['a readiness timeout', { stopCause: { kind: 'restart', reason: 'readiness_timeout' }, signalsSent: ['SIGTERM'] }, killed('SIGTERM'), undefined, 'readiness_timeout (signal SIGTERM, sent by podvisor)'],
    ['a confirmed fatal line, stopped by podvisor', { stopCause: { kind: 'restart', reason: 'fatal_log' }, signalsSent: ['SIGTERM'] }, killed('SIGTERM'), 'FATAL: out of disk', 'fatal_log (signal SIGTERM, sent by podvisor): FATAL: out of disk'],
    ['a fatal line confirmed by the server\'s own exit', { fatalLinePending: true }, code(1), 'FATAL: out of disk', 'fatal_log (exit code 1): FATAL: out of disk'],
    ['killed at the drain deadline', { stopCause: { kind: 'restart', reason: 'fatal_log' }, signalsSent: ['SIGTERM'], killedAtDeadline: true }, killed('SIGKILL'), undefined, 'fatal_log (signal SIGKILL, at the drain deadline)'],
  ];
  for (const [name, extra, exit, line, expected] of rows) it(name, () => assert.equal(restartCause({ ...facts(exit), ...extra }, line), expected));
});

describe('decideAfterExit: a shutdown ends as SIGTERM alone would, whatever came before', () => {
  const shutdown = { kind: 'shutdown', signal: 'SIGTERM' } as const;
  it('SIGINT then SIGTERM, the server answers the SIGINT with 254: exit 0', () => {
    assert.deepEqual(decideAfterExit(facts(code(254), { stopCause: shutdown, signalsSent: ['SIGINT', 'SIGTERM'] })), { action: 'exit', status: 0 });
  });
  it('SIGINT then SIGTERM, the server dies of the SIGINT: exit 0', () => {
    assert.deepEqual(decideAfterExit(facts(killed('SIGINT'), { stopCause: shutdown, signalsSent: ['SIGINT', 'SIGTERM'] })), { action: 'exit', status: 0 });
  });
  it('254 without a SIGINT from podvisor is the server\'s own status', () => {
    assert.deepEqual(decideAfterExit(facts(code(254), { stopCause: shutdown, signalsSent: ['SIGTERM'] })), { action: 'exit', status: 254 });
  });
  it('PODVISOR_STOP_SIGNAL=SIGQUIT: dying of SIGQUIT is clean', () => {
    assert.deepEqual(decideAfterExit(facts(killed('SIGQUIT'), { stopCause: { kind: 'shutdown', signal: 'SIGQUIT' }, signalsSent: ['SIGQUIT'] })), { action: 'exit', status: 0 });
  });
  it('a server that ends during the shutdown delay (nothing sent): its own status', () => {
    assert.deepEqual(decideAfterExit(facts(code(3), { stopCause: shutdown, signalsSent: [] })), { action: 'exit', status: 3 });
    assert.deepEqual(decideAfterExit(facts(code(0), { stopCause: shutdown, signalsSent: [] })), { action: 'exit', status: 0 });
  });
  it('a fatal line pending when the server exits on its own: restarted with reason fatal_log (unless 0 or 255)', () => {
    assert.deepEqual(decideAfterExit(facts(code(1), { fatalLinePending: true })), { action: 'restart', reason: 'fatal_log' });
    assert.deepEqual(decideAfterExit(facts(code(0), { fatalLinePending: true })), { action: 'exit', status: 0 });
    assert.deepEqual(decideAfterExit(facts(code(255), { fatalLinePending: true })), { action: 'exit', status: 255 });
  });
});

describe('planAfterBackoff: autoRestart is asked again when the back-off ends', () => {
  it('on: start', () => assert.deepEqual(planAfterBackoff(true, code(3)), { action: 'start' }));
  it("off: exit with the server's own status", () => assert.deepEqual(planAfterBackoff(false, killed('SIGKILL')), { action: 'exit', status: 137, why: 'autoRestart is off in the prefs file' }));
});
