import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSignal, HANDLED_SIGNALS, type SignalAction, type SignalSituation } from '../../../src/supervisor/signal-decision.ts';

const running: SignalSituation = { shuttingDown: false, sigintRestartUnderWay: false, server: 'running' };
const stopping: SignalSituation = { ...running, server: 'asked_to_stop' };
const noServer: SignalSituation = { ...running, server: 'none' };
const shuttingDown: SignalSituation = { ...running, shuttingDown: true, server: 'asked_to_stop' };
const sigintUnderWay: SignalSituation = { ...running, sigintRestartUnderWay: true };

const shutdownWith = (signal: NodeJS.Signals): readonly SignalAction[] => [
  { kind: 'stop_server', signal, cause: { kind: 'shutdown', signal } },
  { kind: 'begin_shutdown', signal },
];

describe('decideSignal: what each signal means in each situation', () => {
  const rows: Array<[string, NodeJS.Signals, SignalSituation, readonly SignalAction[]]> = [
    ['SIGTERM with a server: stop it with SIGTERM (first), then announce the shutdown', 'SIGTERM', running, shutdownWith('SIGTERM')],
    ['SIGQUIT with a server: stop it with SIGQUIT', 'SIGQUIT', running, shutdownWith('SIGQUIT')],
    ['SIGTERM while a restart stop is under way: the shutdown replaces it', 'SIGTERM', stopping, shutdownWith('SIGTERM')],
    ['SIGTERM with no server (back-off): end supervision', 'SIGTERM', noServer, [{ kind: 'begin_shutdown', signal: 'SIGTERM' }, { kind: 'end_backoff', then: 'end' }]],
    ['a repeat SIGTERM is ignored: it does not restart the wait', 'SIGTERM', shuttingDown, []],
    ['a SIGQUIT during shutdown is ignored too', 'SIGQUIT', shuttingDown, []],
    ['SIGINT with a running server: restart it in place with SIGINT', 'SIGINT', running, [{ kind: 'mark_sigint_restart' }, { kind: 'stop_server', signal: 'SIGINT', cause: { kind: 'restart', reason: 'sigint' } }]],
    ['SIGINT while the server is already stopping for a restart: only remembered', 'SIGINT', stopping, [{ kind: 'mark_sigint_restart' }]],
    ['SIGINT during back-off: start the next server at once', 'SIGINT', noServer, [{ kind: 'mark_sigint_restart' }, { kind: 'end_backoff', then: 'start_now' }]],
    ['a second SIGINT while the first one\'s restart is under way: shut down as SIGTERM does', 'SIGINT', sigintUnderWay, shutdownWith('SIGTERM')],
    ['SIGINT during shutdown: ignored', 'SIGINT', shuttingDown, []],
    ['SIGHUP: re-read the prefs and forward it', 'SIGHUP', running, [{ kind: 'reload_prefs' }, { kind: 'forward', signal: 'SIGHUP' }]],
    ['SIGHUP with no server: re-read the prefs only', 'SIGHUP', noServer, [{ kind: 'reload_prefs' }]],
    ['SIGUSR1: forwarded', 'SIGUSR1', running, [{ kind: 'forward', signal: 'SIGUSR1' }]],
    ['SIGUSR2: forwarded', 'SIGUSR2', stopping, [{ kind: 'forward', signal: 'SIGUSR2' }]],
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
});
