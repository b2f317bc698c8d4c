import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSignal, HANDLED_SIGNALS, SECOND_SIGINT_WINDOW_MS, stopSignalFor, terminalKeystroke, type KeystrokeFacts, type SignalAction, type SignalSituation } from '../../../src/supervisor/signal-decision.ts';

const NOW = 1_000_000;
const running: SignalSituation = { shutdown: 'none', server: 'running', lastSigintAt: undefined, now: NOW, delayApplies: false, stopSignal: undefined, sighup: 'forward' };
const stopping: SignalSituation = { ...running, server: 'asked_to_stop' };
const noServer: SignalSituation = { ...running, server: 'none' };
const shuttingDown: SignalSituation = { ...running, shutdown: 'stopping', server: 'asked_to_stop' };
const delaying: SignalSituation = { ...running, shutdown: 'delaying', server: 'asked_to_stop' };
const withDelay: SignalSituation = { ...running, delayApplies: true };
const sigintJustNow: SignalSituation = { ...stopping, lastSigintAt: NOW - 100 };
const sigintLongAgo: SignalSituation = { ...running, lastSigintAt: NOW - SECOND_SIGINT_WINDOW_MS };

const shutdownNow = (received: NodeJS.Signals, stopSignal: NodeJS.Signals = received === 'SIGQUIT' ? 'SIGQUIT' : 'SIGTERM'): readonly SignalAction[] => [{ kind: 'shutdown', received, stopSignal, delay: false }];
const sigintRestart: readonly SignalAction[] = [{ kind: 'remember_sigint' }, { kind: 'stop_server', signal: 'SIGINT', cause: { kind: 'restart', reason: 'sigint' } }];

describe('decideSignal: what each signal means in each situation', () => {
  const rows: Array<[string, NodeJS.Signals, SignalSituation, readonly SignalAction[]]> = [
    ['SIGTERM with a server: stop it with SIGTERM now', 'SIGTERM', running, shutdownNow('SIGTERM')],
    ['SIGQUIT with a server: stop it with SIGQUIT (PODVISOR_STOP_SIGNAL not set)', 'SIGQUIT', running, shutdownNow('SIGQUIT')],
    ['SIGTERM with PODVISOR_STOP_SIGNAL=SIGQUIT: the server gets SIGQUIT', 'SIGTERM', { ...running, stopSignal: 'SIGQUIT' }, shutdownNow('SIGTERM', 'SIGQUIT')],
    ['SIGQUIT with PODVISOR_STOP_SIGNAL=SIGTERM: the server gets SIGTERM', 'SIGQUIT', { ...running, stopSignal: 'SIGTERM' }, shutdownNow('SIGQUIT', 'SIGTERM')],
    ['SIGTERM when the delay applies: the server serves on for the delay', 'SIGTERM', withDelay, [{ kind: 'shutdown', received: 'SIGTERM', stopSignal: 'SIGTERM', delay: true }]],
    ['SIGTERM while a restart stop is under way: the shutdown replaces it, no delay', 'SIGTERM', { ...stopping, delayApplies: true }, shutdownNow('SIGTERM')],
    ['SIGTERM with no server (back-off): end supervision', 'SIGTERM', noServer, [...shutdownNow('SIGTERM'), { kind: 'end_backoff', then: 'end' }]],
    ['a repeat SIGTERM is ignored: it does not restart the wait', 'SIGTERM', shuttingDown, []],
    ['a second SIGTERM during the delay does not shorten it', 'SIGTERM', delaying, []],
    ['a SIGQUIT during shutdown is ignored too', 'SIGQUIT', shuttingDown, []],
    ['SIGINT with a running server: restart it in place with SIGINT', 'SIGINT', running, sigintRestart],
    ['SIGINT while the server is already stopping for a restart: only remembered', 'SIGINT', stopping, [{ kind: 'remember_sigint' }]],
    ['SIGINT during back-off: start the next server at once', 'SIGINT', noServer, [{ kind: 'remember_sigint' }, { kind: 'end_backoff', then: 'start_now' }]],
    ['a second SIGINT within 3 s: shut down (no delay), named SIGINT', 'SIGINT', sigintJustNow, shutdownNow('SIGINT')],
    ['a second SIGINT within 3 s even after the new server is running', 'SIGINT', { ...running, lastSigintAt: NOW - 2900, delayApplies: true }, shutdownNow('SIGINT')],
    ['a second SIGINT within 3 s during back-off: end supervision', 'SIGINT', { ...noServer, lastSigintAt: NOW - 10 }, [...shutdownNow('SIGINT'), { kind: 'end_backoff', then: 'end' }]],
    ['a SIGINT 3 s or more after the last: another restart', 'SIGINT', sigintLongAgo, sigintRestart],
    ['SIGINT during the shutdown delay: stop now (Ctrl-C, or podvisor ctl stop --now)', 'SIGINT', delaying, [{ kind: 'end_delay' }]],
    ['SIGINT once the stop signal went out: ignored', 'SIGINT', shuttingDown, []],
    ['SIGHUP: re-read the prefs and forward it', 'SIGHUP', running, [{ kind: 'reload_prefs' }, { kind: 'forward', signal: 'SIGHUP' }]],
    ['SIGHUP with PODVISOR_SIGHUP=reload: re-read the prefs only', 'SIGHUP', { ...running, sighup: 'reload' }, [{ kind: 'reload_prefs' }]],
    ['SIGHUP with no server: re-read the prefs only', 'SIGHUP', noServer, [{ kind: 'reload_prefs' }]],
    ['SIGUSR1: forwarded', 'SIGUSR1', running, [{ kind: 'forward', signal: 'SIGUSR1' }]],
    ['SIGUSR2: forwarded, even while stopping', 'SIGUSR2', stopping, [{ kind: 'forward', signal: 'SIGUSR2' }]],
    ['SIGWINCH: forwarded', 'SIGWINCH', running, [{ kind: 'forward', signal: 'SIGWINCH' }]],
    ['SIGUSR1 with no server: nothing to forward to', 'SIGUSR1', noServer, []],
    ['SIGPIPE: ignored', 'SIGPIPE', running, []],
    ['SIGALRM: ignored', 'SIGALRM', running, []],
  ];
  for (const [name, signal, situation, expected] of rows) it(name, () => assert.deepEqual(decideSignal(signal, situation), expected));

  it('every handled signal has a row above', () => {
    const covered = new Set(rows.map(([, signal]) => signal));
    for (const signal of HANDLED_SIGNALS) assert.ok(covered.has(signal), signal);
  });

  it('the stop signal: the setting, else SIGQUIT for SIGQUIT and SIGTERM for the rest', () => {
    assert.equal(stopSignalFor('SIGTERM', undefined), 'SIGTERM');
    assert.equal(stopSignalFor('SIGINT', undefined), 'SIGTERM');
    assert.equal(stopSignalFor('SIGQUIT', undefined), 'SIGQUIT');
    assert.equal(stopSignalFor('SIGTERM', 'SIGQUIT'), 'SIGQUIT');
  });
});

describe('terminalKeystroke: did the server meet a key typed at the terminal it had?', () => {
  const rows: Array<[string, KeystrokeFacts, NodeJS.Signals | undefined]> = [
    ['it had the terminal and died of SIGINT podvisor did not send: Ctrl-C', { hadTerminal: true, exitSignal: 'SIGINT', signalsSent: [] }, 'SIGINT'],
    ['… of SIGQUIT: Ctrl-\\', { hadTerminal: true, exitSignal: 'SIGQUIT', signalsSent: [] }, 'SIGQUIT'],
    ['… of SIGINT while podvisor was stopping it with SIGTERM: still the keystroke', { hadTerminal: true, exitSignal: 'SIGINT', signalsSent: ['SIGTERM'] }, 'SIGINT'],
    ['… of the SIGINT podvisor sent (kill -INT podvisor): podvisor\'s own restart', { hadTerminal: true, exitSignal: 'SIGINT', signalsSent: ['SIGINT'] }, undefined],
    ['… of SIGQUIT podvisor sent as its stop signal', { hadTerminal: true, exitSignal: 'SIGQUIT', signalsSent: ['SIGQUIT'] }, undefined],
    ['no terminal: a SIGINT from elsewhere is a crash like any signal', { hadTerminal: false, exitSignal: 'SIGINT', signalsSent: [] }, undefined],
    ['SIGTERM is no keystroke', { hadTerminal: true, exitSignal: 'SIGTERM', signalsSent: [] }, undefined],
    ['SIGTSTP (Ctrl-Z) stops, it does not end', { hadTerminal: true, exitSignal: 'SIGTSTP', signalsSent: [] }, undefined],
    ['an exit code is no keystroke', { hadTerminal: true, exitSignal: null, exitCode: 1, signalsSent: [] }, undefined],
    ['exit 254 (a kit that drained after the SIGINT) is none by itself: the kit reports the signal instead', { hadTerminal: true, exitSignal: null, exitCode: 254, signalsSent: [] }, undefined],
    ['exit 130, the shell\'s status for SIGINT (a script that traps Ctrl-C and exits so): Ctrl-C', { hadTerminal: true, exitSignal: null, exitCode: 130, signalsSent: [] }, 'SIGINT'],
    ['exit 131: Ctrl-\\', { hadTerminal: true, exitSignal: null, exitCode: 131, signalsSent: [] }, 'SIGQUIT'],
    ['exit 130 after podvisor\'s own SIGINT: podvisor\'s restart', { hadTerminal: true, exitSignal: null, exitCode: 130, signalsSent: ['SIGINT'] }, undefined],
    ['exit 130 without a terminal: an exit code like any', { hadTerminal: false, exitSignal: null, exitCode: 130, signalsSent: [] }, undefined],
    ['the kit reports SIGINT while it runs: Ctrl-C (its exit is 254, not a death by the signal)', { hadTerminal: true, reportedSignal: 'SIGINT', signalsSent: [] }, 'SIGINT'],
    ['the kit reports the SIGINT podvisor passed on (kill -INT podvisor, podvisor ctl restart): none', { hadTerminal: true, reportedSignal: 'SIGINT', signalsSent: ['SIGINT'] }, undefined],
    ['the kit reports SIGTERM: no keystroke', { hadTerminal: true, reportedSignal: 'SIGTERM', signalsSent: [] }, undefined],
    ['the kit reports SIGINT without a terminal (kill -INT the server): none', { hadTerminal: false, reportedSignal: 'SIGINT', signalsSent: [] }, undefined],
  ];
  for (const [name, facts, expected] of rows) it(name, () => assert.equal(terminalKeystroke(facts), expected));
});
