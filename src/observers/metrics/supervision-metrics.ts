import { collectDefaultMetrics, Counter, Gauge, Histogram, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';
import { RESTART_REASONS, type SupervisionEvent } from '../../supervisor/events.ts';
import type { SupervisionView } from '../../supervisor/supervision.ts';
import { exitLabels } from './exit-labels.ts';
import { snapshotValues } from './snapshot-values.ts';

export const METRIC_PREFIX = 'podvisor_';

/** prom-client default metrics left out: `sum(podvisor_nodejs_active_handles)` etc. give the same numbers. */
export const REDUNDANT_DEFAULT_METRICS: readonly string[] = ['active_handles_total', 'active_requests_total', 'active_resources_total'].map(
  (name) => `${METRIC_PREFIX}nodejs_${name}`,
);

/** Drain times from "exited at once" to well past the default deadline (5 s drain + 1 s grace). */
export const DRAIN_BUCKETS_SECONDS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** What one registry's definitions give back: the unsubscribe, and the counter the Kubernetes recorder reports to. */
export interface DefinedMetrics {
  readonly stop: () => void;
  /** One Kubernetes Event outcome (podvisor_kubernetes_events_total{reason,result}). */
  readonly countKubernetesEvent: (reason: string, result: string) => void;
}

/**
 * Defines every podvisor metric (docs/http-and-metrics.md) in `registry`. Gauges read the one supervision
 * snapshot when they are collected; counters and the drain histogram count supervision events.
 */
export function defineSupervisionMetrics(registry: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>, supervision: SupervisionView, now: () => number = Date.now): DefinedMetrics {
  const registers = [registry];
  // prom-client calls every collect() synchronously at the start of one scrape, so the gauges read the same snapshot.
  const current = (): ReturnType<typeof snapshotValues> => snapshotValues(supervision.snapshot, now());

  const state = new Gauge({
    name: `${METRIC_PREFIX}server_state`,
    help: 'The supervised server state (one-hot: 1 for the current state, 0 for every other state).',
    labelNames: ['state'],
    registers,
    collect() {
      for (const [name, value] of current().state) state.set({ state: name }, value);
    },
  });
  const up = new Gauge({
    name: `${METRIC_PREFIX}server_up`,
    help: 'Whether a server process exists (1) or not (0: back-off, stopped).',
    registers,
    collect() {
      up.set(current().up);
    },
  });
  const startTime = new Gauge({
    name: `${METRIC_PREFIX}server_start_time_seconds`,
    help: 'Start time of the current server (during back-off: of the last one) since the Unix epoch, in seconds; 0 before the first.',
    registers,
    collect() {
      startTime.set(current().startTimeSeconds);
    },
  });
  const uptime = new Gauge({
    name: `${METRIC_PREFIX}server_uptime_seconds`,
    help: 'How long the current server process has run, in seconds; 0 while none runs.',
    registers,
    collect() {
      uptime.set(current().uptimeSeconds);
    },
  });
  const sessions = new Gauge({
    name: `${METRIC_PREFIX}server_sessions`,
    help: 'Open sessions as reported by a server built on the server kit; 0 when unknown.',
    registers,
    collect() {
      sessions.set(current().sessions);
    },
  });
  const backoff = new Gauge({
    name: `${METRIC_PREFIX}restart_backoff_seconds`,
    help: 'The restart delay now pending, in seconds (0 when no restart is pending).',
    registers,
    collect() {
      backoff.set(current().backoffSeconds);
    },
  });

  const restarts = new Counter({
    name: `${METRIC_PREFIX}server_restarts_total`,
    help: 'Restarts of the server, by reason.',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of RESTART_REASONS) restarts.inc({ reason }, 0);
  const exits = new Counter({
    name: `${METRIC_PREFIX}server_exits_total`,
    help: 'Ends of a server process: by exit code (signal="") or by the signal that killed it (code=""), and whether podvisor stopped it (stopped_by).',
    labelNames: ['code', 'signal', 'stopped_by'],
    registers,
  });
  const drain = new Histogram({
    name: `${METRIC_PREFIX}shutdown_drain_seconds`,
    help: 'Time from asking the server to stop until its process group was gone, by outcome (drained in time, or killed at the deadline).',
    labelNames: ['outcome'],
    buckets: [...DRAIN_BUCKETS_SECONDS],
    registers,
  });
  drain.zero({ outcome: 'drained' });
  drain.zero({ outcome: 'killed' });
  const delay = new Histogram({
    name: `${METRIC_PREFIX}shutdown_delay_seconds`,
    help: 'The shutdown delay before the stop signal (PODVISOR_SHUTDOWN_DELAY_SECONDS), by outcome: elapsed in full, or cut short (SIGINT, podvisor ctl stop --now, the server ended).',
    labelNames: ['outcome'],
    buckets: [...DRAIN_BUCKETS_SECONDS],
    registers,
  });
  delay.zero({ outcome: 'elapsed' });
  delay.zero({ outcome: 'cut_short' });
  const fatalLines = new Counter({
    name: `${METRIC_PREFIX}fatal_lines_total`,
    help: 'Fatal lines of the server (the error-log rule), by outcome: confirmed (the server ended or its health check failed) or not_confirmed (it served on).',
    labelNames: ['outcome'],
    registers,
  });
  fatalLines.inc({ outcome: 'confirmed' }, 0);
  fatalLines.inc({ outcome: 'not_confirmed' }, 0);
  const logLines = new Counter({
    name: `${METRIC_PREFIX}log_lines_total`,
    help: "Lines of the server's output, by stream and classified level.",
    labelNames: ['stream', 'level'],
    registers,
  });
  const zombies = new Counter({
    name: `${METRIC_PREFIX}zombies_reaped_total`,
    help: 'Orphaned processes re-parented to podvisor and reaped by it.',
    registers,
  });
  const kubernetesEvents = new Counter({
    name: `${METRIC_PREFIX}kubernetes_events_total`,
    help: 'Kubernetes Events podvisor tried to record, by reason and result.',
    labelNames: ['reason', 'result'],
    registers,
  });

  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  // Gauges named like counters fail `promtool check metrics`; each is the sum of its per-type gauge beside it.
  for (const name of REDUNDANT_DEFAULT_METRICS) registry.removeSingleMetric(name);

  const stop = supervision.observe((event: SupervisionEvent) => {
    switch (event.type) {
      case 'restart_scheduled':
        restarts.inc({ reason: event.reason });
        break;
      case 'server_exited':
        exits.inc(exitLabels(event.exit, event.stoppedBy));
        break;
      case 'shutdown_delay_finished':
        delay.observe({ outcome: event.outcome }, event.seconds);
        break;
      case 'fatal_confirmed':
        fatalLines.inc({ outcome: 'confirmed' });
        break;
      case 'fatal_not_confirmed':
        fatalLines.inc({ outcome: 'not_confirmed' });
        break;
      case 'drain_finished':
        drain.observe({ outcome: event.outcome }, event.seconds);
        break;
      case 'log_line':
        logLines.inc({ stream: event.stream, level: event.level }, linesIn(event));
        break;
      case 'orphan_reaped':
        zombies.inc();
        break;
      default:
        break;
    }
  });
  return { stop, countKubernetesEvent: (reason, result) => kubernetesEvents.inc({ reason, result }) };
}

/** The output path reports the lines of one read together (`count`); an event without a count is one line. */
function linesIn(event: Extract<SupervisionEvent, { type: 'log_line' }>): number {
  const count: unknown = (event as { readonly count?: unknown }).count;
  return typeof count === 'number' && count >= 0 ? count : 1;
}
