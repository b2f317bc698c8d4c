import type { Settings } from '../../config/settings.ts';
import { VERSION } from '../../config/version.ts';
import type { SupervisionView } from '../../supervisor/supervision.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics/create-metrics.ts';
import { listenObservability } from './observability-server.ts';

export interface ObservabilityContext {
  readonly settings: Settings;
  readonly supervision: SupervisionView;
  readonly logger: Logger;
}

export type StartedObservability =
  | { readonly ok: true; readonly metrics: Metrics; close(): Promise<void> }
  /** The port cannot be bound: `message` says why and what to do. The CLI decides what that means for podvisor. */
  | { readonly ok: false; readonly message: string };

/** Metrics and the HTTP port. Loaded (with prom-client) only after the server was spawned and only when the port is on. */
export async function startObservability(context: ObservabilityContext): Promise<StartedObservability> {
  const { settings, supervision, logger } = context;
  const metrics = createMetrics(supervision);
  const listening = await listenObservability({ host: settings.httpHost, port: settings.httpPort, snapshot: () => supervision.snapshot, metrics, version: VERSION });
  if (!listening.ok) {
    metrics.stop();
    logger.error({ host: settings.httpHost, port: settings.httpPort, code: listening.code }, listening.message);
    return { ok: false, message: listening.message };
  }
  logger.debug({ host: settings.httpHost, port: listening.server.port }, 'HTTP listener started (/metrics, /healthz, /readyz, /status)');
  return {
    ok: true,
    metrics,
    async close() {
      await listening.server.close();
      metrics.stop();
    },
  };
}
