import { Registry, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client';
import type { Supervision } from '../../supervisor/supervision.ts';
import { defineSupervisionMetrics } from './supervision-metrics.ts';

export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

export interface Metrics {
  /** The exposition of every metric: OpenMetrics 1.0 when `openMetrics`, else Prometheus text 0.0.4. */
  render(openMetrics: boolean): Promise<RenderedMetrics>;
  stop(): void;
}

/**
 * podvisor's metrics in private registries (never prom-client's global one). prom-client renders one format per
 * registry and renames counters while rendering OpenMetrics, so each format gets its own registry with the same
 * definitions; both observe the same supervision and read the same snapshot.
 */
export function createMetrics(supervision: Supervision, now: () => number = Date.now): Metrics {
  const prometheus = new Registry<PrometheusContentType>();
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const stops = [defineSupervisionMetrics(prometheus, supervision, now), defineSupervisionMetrics(openMetrics, supervision, now)];
  return {
    async render(asOpenMetrics) {
      const registry = asOpenMetrics ? openMetrics : prometheus;
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    stop() {
      for (const stop of stops) stop();
      prometheus.clear();
      openMetrics.clear();
    },
  };
}
