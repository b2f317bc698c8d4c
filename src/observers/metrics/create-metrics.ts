import { Registry, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client';
import type { SupervisionView } from '../../supervisor/supervision.ts';
import { defineSupervisionMetrics } from './supervision-metrics.ts';

export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

/**
 * How long one rendering answers further scrapes. Any supervision event drops it at once, so the state, restart
 * and exit series are never older than the state machine; only the process metrics may be this old. Under a
 * scrape storm this bounds rendering to a few times a second, whatever the request rate.
 */
export const RENDER_REUSE_MS = 50;

export interface Metrics {
  /** The exposition of every metric: OpenMetrics 1.0 when `openMetrics`, else Prometheus text 0.0.4. */
  render(openMetrics: boolean): Promise<RenderedMetrics>;
  /** The Kubernetes recorder's outcome for one Event (podvisor_kubernetes_events_total{reason,result}). */
  countKubernetesEvent(reason: string, result: string): void;
  stop(): void;
}

/**
 * podvisor's metrics in private registries (never prom-client's global one). prom-client renders one format per
 * registry and renames counters while rendering OpenMetrics, so each format gets its own registry with the same
 * definitions; both observe the same supervision and read the same snapshot.
 */
export function createMetrics(supervision: SupervisionView, now: () => number = Date.now): Metrics {
  const prometheus = new Registry<PrometheusContentType>();
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const recent = new Map<boolean, { readonly at: number; readonly rendering: Promise<RenderedMetrics> }>();
  const defined = [defineSupervisionMetrics(prometheus, supervision, now), defineSupervisionMetrics(openMetrics, supervision, now)];
  const stops = [...defined.map((metrics) => metrics.stop), supervision.observe(() => recent.clear())];
  return {
    countKubernetesEvent(reason, result) {
      for (const metrics of defined) metrics.countKubernetesEvent(reason, result);
      recent.clear();
    },
    render(asOpenMetrics) {
      const at = performance.now();
      const reusable = recent.get(asOpenMetrics);
      if (reusable !== undefined && at - reusable.at < RENDER_REUSE_MS) return reusable.rendering;
      const registry = asOpenMetrics ? openMetrics : prometheus;
      const rendering = registry.metrics().then((body) => ({ contentType: registry.contentType, body }));
      recent.set(asOpenMetrics, { at, rendering });
      rendering.catch(() => recent.delete(asOpenMetrics));
      return rendering;
    },
    stop() {
      for (const stop of stops) stop();
      recent.clear();
      prometheus.clear();
      openMetrics.clear();
    },
  };
}
