import { Gauge, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';
import gc from 'prom-client/lib/metrics/gc.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import version from 'prom-client/lib/metrics/version.js';

/**
 * prom-client's default metrics (collectDefaultMetrics) but its event-loop monitor: that one samples the loop of the
 * thread it runs on every 10 ms, idle or not (one timer per registry), and on podvisor's observer thread it would
 * measure the wrong loop. The process metrics (CPU, memory, fds, start time) are the whole process's; the heap, GC
 * and handle metrics are the observer thread's, where prom-client runs (docs/http-and-metrics.md).
 */
const DEFAULT_METRICS = [
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
  gc,
];

/** How long a scrape waits for the supervision thread's answer before reporting the wait itself as the lag. */
export const LAG_PROBE_LIMIT_SECONDS = 1;

/**
 * Registers the process metrics in `registry`, and `<prefix>nodejs_eventloop_lag_seconds`: how long the supervision
 * thread takes to answer, asked when the metric is collected (`delay` resolves in seconds), as prom-client's own
 * gauge of that name samples its loop at scrape time. Nothing wakes podvisor between scrapes.
 */
export function registerProcessMetrics(registry: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>, prefix: string, delay: () => Promise<number>): void {
  for (const register of DEFAULT_METRICS) register(registry as Registry, { prefix });
  const lag = new Gauge({
    name: `${prefix}nodejs_eventloop_lag_seconds`,
    help: "Lag of podvisor's supervision thread in seconds: how long it took to answer when this scrape asked.",
    registers: [registry],
    async collect() {
      lag.set(await delay());
    },
  });
}

/** The delay of this thread's own event loop now (setImmediate), in seconds: for metrics that run on the supervision thread. */
export function ownLoopDelay(): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => setImmediate(() => resolve(Number(process.hrtime.bigint() - started) / 1e9)));
}
