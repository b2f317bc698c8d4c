import { VERSION } from '../../cli/version.ts';
import type { Settings } from '../../config/settings.ts';
import type { Supervision } from '../../supervisor/supervision.ts';
import type { Supervisor } from '../../supervisor/supervisor.ts';
import type { Logger } from '../logger.ts';
import { createMetrics } from '../metrics/create-metrics.ts';
import { listenObservability } from './observability-server.ts';

export interface ObservabilityContext {
  readonly settings: Settings;
  readonly supervision: Supervision;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
}

export interface RunningObservability {
  close(): Promise<void>;
}

/**
 * Metrics and the HTTP port. Loaded (with prom-client) only after the server was spawned and only when the port
 * is on. A port that cannot be bound ends podvisor with exit status 2, the server stopped gracefully.
 */
export async function startObservability(context: ObservabilityContext): Promise<RunningObservability> {
  const { settings, supervision, logger } = context;
  const metrics = createMetrics(supervision);
  const listening = await listenObservability({ host: settings.httpHost, port: settings.httpPort, snapshot: () => supervision.snapshot, metrics, version: VERSION });
  if (!listening.ok) {
    metrics.stop();
    logger.error({ host: settings.httpHost, port: settings.httpPort, code: listening.code }, listening.message);
    context.supervisor.abort(2, listening.message);
    return { close: async () => {} };
  }
  logger.debug({ host: settings.httpHost, port: listening.server.port }, 'HTTP listener started (/metrics, /healthz, /readyz, /status)');
  return {
    async close() {
      await listening.server.close();
      metrics.stop();
    },
  };
}
