// The metric names podvisor exports (docs/http-and-metrics.md): the one list the alert rules and the dashboard are
// checked against. dashboard.test.ts also scrapes a running podvisor and checks each name here is really there.

export const PODVISOR_METRICS: readonly string[] = [
  'podvisor_server_state',
  'podvisor_server_up',
  'podvisor_server_start_time_seconds',
  'podvisor_server_uptime_seconds',
  'podvisor_server_sessions',
  'podvisor_restart_backoff_seconds',
  'podvisor_server_restarts_total',
  'podvisor_server_exits_total',
  'podvisor_shutdown_drain_seconds',
  'podvisor_log_lines_total',
  'podvisor_zombies_reaped_total',
  'podvisor_kubernetes_events_total',
  // prom-client's process metrics, with podvisor's prefix: podvisor's own cost, not the server's.
  'podvisor_process_cpu_seconds_total',
  'podvisor_process_cpu_user_seconds_total',
  'podvisor_process_cpu_system_seconds_total',
  'podvisor_process_start_time_seconds',
  'podvisor_process_resident_memory_bytes',
  'podvisor_process_virtual_memory_bytes',
  'podvisor_process_heap_bytes',
  'podvisor_process_open_fds',
  'podvisor_process_max_fds',
  'podvisor_fatal_lines_total',
  'podvisor_shutdown_delay_seconds',
];

/** The metric names a PromQL expression uses (a histogram's _bucket, _count and _sum count as the histogram). */
export function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(podvisor_[a-z0-9_]+)/g)].map((match) => {
    const name = match[1] as string;
    const histogram = name.replace(/_(bucket|count|sum)$/, '');
    return histogram !== name && PODVISOR_METRICS.includes(histogram) ? histogram : name;
  });
}
