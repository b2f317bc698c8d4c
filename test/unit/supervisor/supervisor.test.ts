import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSettings } from '../../../src/config/load-settings.ts';
import { inheritOutput } from '../../../src/output/server-output.ts';
import type { SupervisionEvent } from '../../../src/supervisor/events.ts';
import { Supervision } from '../../../src/supervisor/supervision.ts';
import { KIT_FATAL_GRACE_MS } from '../../../src/supervisor/fatal-line.ts';
import { Supervisor } from '../../../src/supervisor/supervisor.ts';
import { FIXTURES, NODE } from '../../helpers/podvisor-process.ts';

/**
 * podvisor's side of a kit server's fatal error: a fatal line read from the pipe before the kit's own IPC report
 * of it must not win the race (reason fatal_log, and a SIGTERM that turns the kit's exit 254 into 0).
 */
async function fatalLineThenMaybeReport(kitDelayMs: number | undefined): Promise<{ events: SupervisionEvent[] }> {
  // PODVISOR_FATAL_CONFIRM_SECONDS=0: the line alone confirms, so that this is about the kit's grace only.
  const loaded = loadSettings({ PODVISOR_HTTP_PORT: '0', PODVISOR_RESTART_DELAY_MS: '10', PODVISOR_KUBERNETES: 'off', PODVISOR_FATAL_CONFIRM_SECONDS: '0' }, {});
  assert.ok(loaded.ok);
  const supervision = new Supervision();
  const events: SupervisionEvent[] = [];
  let kitRunning: () => void = () => {};
  const running = new Promise<void>((resolve) => (kitRunning = resolve));
  let restarted: () => void = () => {};
  const restartScheduled = new Promise<void>((resolve) => (restarted = resolve));
  let transitionsToRunning = 0;
  supervision.observe((event) => {
    events.push(event);
    // auto readiness: running at spawn, starting at the kit's hello, running when the kit reports it.
    if (event.type === 'transition' && event.to === 'running' && ++transitionsToRunning === 2) kitRunning();
    if (event.type === 'restart_scheduled') restarted();
  });
  const supervisor = new Supervisor({
    settings: loaded.settings,
    command: [NODE, join(FIXTURES, 'kit-fatal-later.ts')],
    readiness: { kind: 'auto' },
    supervision,
    output: inheritOutput,
    environment: { ...process.env, PODVISOR_DRAIN_SECONDS: '2', ...(kitDelayMs === undefined ? {} : { KIT_FATAL_DELAY_MS: String(kitDelayMs) }) },
    readPrefs: undefined,
    initialPrefs: { autoRestart: undefined },
    ownChildren: new Set(),
  });
  const finished = supervisor.run();
  try {
    await running;
    supervisor.onFatalLine('stdout', '{"level":60,"msg":"reported over IPC"}');
    await restartScheduled;
  } finally {
    supervisor.handleSignal('SIGTERM');
    await finished;
  }
  return { events };
}

test("a kit server's fatal line read before its IPC report: the kit's report wins (fatal_error, exit 254)", async () => {
  const { events } = await fatalLineThenMaybeReport(Math.round(KIT_FATAL_GRACE_MS / 5));
  const restart = events.find((event) => event.type === 'restart_scheduled');
  assert.equal(restart?.type === 'restart_scheduled' ? restart.reason : undefined, 'fatal_error');
  const exited = events.find((event) => event.type === 'server_exited');
  assert.deepEqual(exited?.type === 'server_exited' ? exited.exit : undefined, { code: 254, signal: null });
  assert.ok(!events.some((event) => event.type === 'fatal_reported' && event.source === 'log'));
});

test('a kit server that never reports its fatal line is restarted for the line (fatal_log) after the grace', async () => {
  const { events } = await fatalLineThenMaybeReport(undefined);
  const restart = events.find((event) => event.type === 'restart_scheduled');
  assert.equal(restart?.type === 'restart_scheduled' ? restart.reason : undefined, 'fatal_log');
  assert.ok(events.some((event) => event.type === 'fatal_reported' && event.source === 'log'));
});
