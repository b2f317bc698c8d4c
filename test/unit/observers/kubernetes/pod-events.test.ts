import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOTE_LIMIT, podEventsFor } from '../../../../src/observers/kubernetes/pod-events.ts';
import type { SupervisionEvent } from '../../../../src/supervisor/events.ts';

const CONTEXT = { restartDelayMs: 1000, drainSeconds: 5 };
const summary = (event: SupervisionEvent): string[] => podEventsFor(event, CONTEXT).map((intent) => `${intent.type} ${intent.reason} ${intent.action}: ${intent.note}`);

test('each supervision event that matters becomes its Event', () => {
  const cases: Array<[SupervisionEvent, string[]]> = [
    [{ type: 'server_spawned', pid: 9, command: ['node', 'server.js'] }, ['Normal ServerStarted Start: Started the server: node server.js']],
    [{ type: 'restart_scheduled', reason: 'exit_code', delayMs: 1000, cause: 'exit code 3' }, ['Warning ServerRestarting RestartAfterExit: Restarting the server after exit code 3']],
    [{ type: 'restart_scheduled', reason: 'signal', delayMs: 1000, cause: 'signal SIGSEGV' }, ['Warning ServerRestarting RestartAfterSignal: Restarting the server after signal SIGSEGV']],
    [{ type: 'restart_scheduled', reason: 'sigint', delayMs: 0, cause: 'exit code 254' }, ['Warning ServerRestarting RestartOnSigint: Restarting the server: SIGINT asked for a restart']],
    [
      { type: 'restart_scheduled', reason: 'fatal_log', delayMs: 4000, cause: 'fatal_log (signal SIGTERM)' },
      ['Warning ServerRestarting RestartAfterFatalLog: Restarting the server after fatal_log (signal SIGTERM)', 'Warning BackOff Wait: Back-off restarting the crashing server: each restart waits longer while it keeps crashing'],
    ],
    [{ type: 'fatal_reported', source: 'log', line: 'FATAL: disk full', stream: 'stderr' }, ['Warning FatalError Stop: The server reported a fatal error on stderr: FATAL: disk full']],
    [{ type: 'fatal_reported', source: 'log', line: 'FATAL: disk full', stream: 'combined' }, ['Warning FatalError Stop: The server reported a fatal error on stdout+stderr: FATAL: disk full']],
    [{ type: 'fatal_reported', source: 'kit', line: 'cannot bind' }, ['Warning FatalError Stop: The server reported a fatal error over the kit channel: cannot bind']],
    [{ type: 'gave_up', restarts: 10, intervalMs: 300000, exitStatus: 1 }, ['Warning GaveUp Exit: Start limit reached: more than 10 restarts within 300000 ms; podvisor exits 1']],
    [{ type: 'shutdown_started', signal: 'SIGTERM' }, ['Normal ShuttingDown Stop: SIGTERM received: draining the server (at most 5 s)']],
    [{ type: 'drain_finished', outcome: 'killed', seconds: 6.02 }, ['Warning DrainTimedOut Kill: The server did not end within the drain deadline: its process group was killed after 6.0 s']],
    [{ type: 'drain_finished', outcome: 'drained', seconds: 0.2 }, []],
    [{ type: 'prefs_reloaded', autoRestart: false, trigger: 'sighup' }, ['Normal PrefsReloaded Reload: SIGHUP: prefs reloaded (autoRestart off)']],
    [{ type: 'prefs_reloaded', autoRestart: true, trigger: 'restart' }, []],
    [{ type: 'server_exited', pid: 9, exit: { code: 3, signal: null }, ranForMs: 10 }, []],
  ];
  for (const [event, expected] of cases) assert.deepEqual(summary(event), expected, event.type);
});

test('notes stay within the apiserver\'s 1024 characters, and an offending line is quoted truncated', () => {
  const [fatal] = podEventsFor({ type: 'fatal_reported', source: 'log', line: 'x'.repeat(100_000), stream: 'stdout' }, CONTEXT);
  assert.ok(fatal !== undefined && fatal.note.length <= NOTE_LIMIT);
  assert.match(fatal?.note ?? '', /x…$/);
  const [started] = podEventsFor({ type: 'server_spawned', pid: 1, command: ['a'.repeat(5000)] }, CONTEXT);
  assert.equal(started?.note.length, NOTE_LIMIT);
});
