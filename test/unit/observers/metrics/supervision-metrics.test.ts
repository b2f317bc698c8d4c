import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { createMetrics } from '../../../../src/observers/metrics/create-metrics.ts';
import { RESTART_REASONS, type SupervisionEvent } from '../../../../src/supervisor/events.ts';
import type { SupervisionState } from '../../../../src/supervisor/states.ts';
import { Supervision } from '../../../../src/supervisor/supervision.ts';
import type { StateInput } from '../../../../src/supervisor/transitions.ts';

/** The sample lines of `family` (with labels) → value. */
function samples(body: string, family: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line.startsWith(family)) continue;
    const match = /^(\S+?(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match !== null) found.set(match[1] as string, Number(match[2]));
  }
  return found;
}

function promtool(body: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Walks the real state machine through all eight states, with the inputs the supervisor gives it. */
const WALK: ReadonlyArray<[StateInput | undefined, SupervisionState]> = [
  [undefined, 'stopped'],
  [{ type: 'spawned' }, 'starting'],
  [{ type: 'ready' }, 'running'],
  [{ type: 'kit_reported', state: 'refusing_connections' }, 'refusing_connections'],
  [{ type: 'kit_reported', state: 'idle' }, 'idle'],
  [{ type: 'fatal_logged' }, 'fatal_error'],
  [{ type: 'stop_requested' }, 'shutting_down'],
  [{ type: 'exited', restarting: true }, 'backoff'],
  [{ type: 'supervision_ended' }, 'stopped'],
];

describe('podvisor metrics', () => {
  it('pass `promtool check metrics` in every state, with the state gauge one-hot over all eight states', async () => {
    const supervision = new Supervision({ now: 1_000 });
    const metrics = createMetrics(supervision, () => 5_000);
    try {
      for (const [input, expected] of WALK) {
        if (input !== undefined) {
          if (input.type === 'spawned') supervision.update({ pid: 4242, serverStartedAt: 2_000 });
          if (input.type === 'exited') supervision.update({ pid: undefined, backoffMs: 1500 });
          assert.equal(supervision.apply(input), true, `${input.type} applies`);
        }
        assert.equal(supervision.state, expected);
        const { body, contentType } = await metrics.render(false);
        assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
        const check = promtool(body);
        assert.equal(check.status, 0, `promtool in ${expected}: ${check.output}`);
        const state = samples(body, 'podvisor_server_state{');
        assert.equal(state.size, 8);
        for (const [series, value] of state) assert.equal(value, series === `podvisor_server_state{state="${expected}"}` ? 1 : 0, series);
        const up = samples(body, 'podvisor_server_up').get('podvisor_server_up');
        assert.equal(up, supervision.snapshot.pid === undefined ? 0 : 1, `up in ${expected}`);
      }
      const { body } = await metrics.render(false);
      assert.equal(samples(body, 'podvisor_restart_backoff_seconds').get('podvisor_restart_backoff_seconds'), 1.5);
      assert.equal(samples(body, 'podvisor_server_start_time_seconds').get('podvisor_server_start_time_seconds'), 2);
    } finally {
      metrics.stop();
    }
  });

  it('count restarts by reason (every reason present from the start), exits by code or signal, drains, log lines, orphans, Kubernetes events', async () => {
    const supervision = new Supervision();
    const metrics = createMetrics(supervision);
    try {
      const before = await metrics.render(false);
      const restartsBefore = samples(before.body, 'podvisor_server_restarts_total{');
      assert.deepEqual(
        [...restartsBefore.entries()],
        RESTART_REASONS.map((reason) => [`podvisor_server_restarts_total{reason="${reason}"}`, 0]),
      );

      supervision.emit({ type: 'server_exited', pid: 1, exit: { code: 3, signal: null }, ranForMs: 10 });
      supervision.emit({ type: 'restart_scheduled', reason: 'exit_code', delayMs: 0, cause: 'exit code 3' });
      supervision.emit({ type: 'server_exited', pid: 2, exit: { code: 3, signal: null }, ranForMs: 10 });
      supervision.emit({ type: 'restart_scheduled', reason: 'exit_code', delayMs: 0, cause: 'exit code 3' });
      supervision.emit({ type: 'server_exited', pid: 3, exit: { code: null, signal: 'SIGKILL' }, ranForMs: 10 });
      supervision.emit({ type: 'restart_scheduled', reason: 'signal', delayMs: 0, cause: 'signal SIGKILL' });
      supervision.emit({ type: 'drain_finished', outcome: 'drained', seconds: 0.2 });
      supervision.emit({ type: 'drain_finished', outcome: 'killed', seconds: 6 });
      supervision.emit({ type: 'log_line', stream: 'stdout', level: 'info' });
      supervision.emit({ type: 'log_line', stream: 'stdout', level: 'info' });
      supervision.emit({ type: 'log_line', stream: 'stderr', level: 'fatal' });
      // The output path reports the lines of one read of the pipe together.
      supervision.emit({ type: 'log_line', stream: 'stdout', level: 'warn', count: 5 } as SupervisionEvent);
      supervision.emit({ type: 'orphan_reaped', pid: 77 });
      metrics.countKubernetesEvent('Restarting', 'created');

      const { body } = await metrics.render(false);
      assert.equal(promtool(body).status, 0, promtool(body).output);
      const restarts = samples(body, 'podvisor_server_restarts_total{');
      assert.equal(restarts.get('podvisor_server_restarts_total{reason="exit_code"}'), 2);
      assert.equal(restarts.get('podvisor_server_restarts_total{reason="signal"}'), 1);
      assert.equal(restarts.get('podvisor_server_restarts_total{reason="sigint"}'), 0);
      const exits = samples(body, 'podvisor_server_exits_total{');
      assert.equal(exits.get('podvisor_server_exits_total{code="3",signal="",stopped_by="none"}'), 2);
      assert.equal(exits.get('podvisor_server_exits_total{code="",signal="SIGKILL",stopped_by="none"}'), 1);
      assert.equal(samples(body, 'podvisor_shutdown_drain_seconds_count').get('podvisor_shutdown_drain_seconds_count{outcome="drained"}'), 1);
      assert.equal(samples(body, 'podvisor_shutdown_drain_seconds_count').get('podvisor_shutdown_drain_seconds_count{outcome="killed"}'), 1);
      assert.equal(samples(body, 'podvisor_shutdown_drain_seconds_bucket').get('podvisor_shutdown_drain_seconds_bucket{le="0.25",outcome="drained"}'), 1);
      const lines = samples(body, 'podvisor_log_lines_total{');
      assert.equal(lines.get('podvisor_log_lines_total{stream="stdout",level="info"}'), 2);
      assert.equal(lines.get('podvisor_log_lines_total{stream="stderr",level="fatal"}'), 1);
      assert.equal(lines.get('podvisor_log_lines_total{stream="stdout",level="warn"}'), 5);
      assert.equal(samples(body, 'podvisor_zombies_reaped_total').get('podvisor_zombies_reaped_total'), 1);
      assert.equal(samples(body, 'podvisor_kubernetes_events_total{').get('podvisor_kubernetes_events_total{reason="Restarting",result="created"}'), 1);

      // OpenMetrics counts the same events, with the format's own counter naming and terminator.
      const open = await metrics.render(true);
      assert.equal(open.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      assert.match(open.body, /^# TYPE podvisor_server_restarts counter$/m);
      assert.equal(samples(open.body, 'podvisor_server_restarts_total{').get('podvisor_server_restarts_total{reason="exit_code"}'), 2);
      assert.ok(open.body.endsWith('# EOF\n'));
      // Rendering OpenMetrics leaves the text format's names alone.
      assert.match((await metrics.render(false)).body, /^# TYPE podvisor_server_restarts_total counter$/m);
    } finally {
      metrics.stop();
    }
  });

  it("carry prom-client's default process metrics with the podvisor_ prefix, in a private registry", async () => {
    const metrics = createMetrics(new Supervision());
    try {
      const { body } = await metrics.render(false);
      for (const name of ['podvisor_process_cpu_seconds_total', 'podvisor_process_resident_memory_bytes', 'podvisor_process_start_time_seconds', 'podvisor_nodejs_eventloop_lag_seconds', 'podvisor_nodejs_heap_size_used_bytes']) {
        assert.match(body, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      for (const line of body.split('\n')) if (line !== '' && !line.startsWith('#')) assert.ok(line.startsWith('podvisor_'), line);
      assert.equal(globalRegistry.getMetricsAsArray().length, 0, "prom-client's global registry stays empty");
    } finally {
      metrics.stop();
    }
  });

  it('reuse one rendering for scrapes close together, and drop it at any supervision event', async () => {
    const supervision = new Supervision();
    const metrics = createMetrics(supervision);
    try {
      const [first, second] = await Promise.all([metrics.render(false), metrics.render(false)]);
      assert.equal(first, second, 'concurrent scrapes share one rendering');
      supervision.update({ pid: 9, serverStartedAt: Date.now() });
      supervision.apply({ type: 'spawned' });
      const after = await metrics.render(false);
      assert.notEqual(after, first);
      assert.equal(samples(after.body, 'podvisor_server_state{').get('podvisor_server_state{state="starting"}'), 1);
    } finally {
      metrics.stop();
    }
  });
});
