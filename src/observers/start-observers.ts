import type { DestinationStream } from 'pino';
import type { Settings } from '../config/settings.ts';
import type { SupervisionView } from '../supervisor/supervision.ts';
import { startKubernetes } from './kubernetes/start-kubernetes.ts';
import { logEvents } from './log-events.ts';
import { createLogger, type Logger } from './logger.ts';
import { pidFile } from './pid-file.ts';
import { startStatusLine } from './status-line.ts';

export interface ObserverContext {
  readonly settings: Settings;
  readonly supervision: SupervisionView;
  readonly logDestination: DestinationStream | undefined;
}

export interface RunningObservers {
  readonly logger: Logger;
  /** Set when an observer cannot do its job and podvisor should not run without it (the HTTP port cannot be bound). */
  readonly failure: string | undefined;
  /** Resolves true when the Pod was already being deleted at start (a SIGTERM podvisor may not have heard). */
  readonly podDeletion: Promise<boolean>;
  /** Flushes what must go out before exit (each part bounds its own wait) and stops everything. */
  close(): Promise<void>;
}

/** Everything that watches supervision, loaded after the server was spawned. Observers never change supervision. */
export async function startObservers(context: ObserverContext): Promise<RunningObservers> {
  const { settings, supervision } = context;
  const logger = createLogger(settings.logLevel, context.logDestination);
  supervision.observe(logEvents(logger));
  if (settings.pidFile !== undefined) supervision.observe(pidFile(settings.pidFile, (message) => logger.warn(message)));
  const stopStatusLine = startStatusLine(supervision, logger, settings.statusIntervalSeconds);

  // Metrics and the HTTP port: prom-client and node:http load only when the port is on (not 0).
  const observability = settings.httpPort === 0 ? undefined : await (await import('./http/start-observability.ts')).startObservability({ settings, supervision, logger });
  const metrics = observability?.ok === true ? observability.metrics : undefined;

  // Events and annotations on the Pod: returns at once; the Kubernetes client loads in a worker thread.
  const kubernetes = startKubernetes(settings, supervision, logger, (reason, result) => metrics?.countKubernetesEvent(reason, result));

  return {
    logger,
    failure: observability?.ok === false ? observability.message : undefined,
    podDeletion: kubernetes?.podDeletion ?? Promise.resolve(false),
    async close() {
      stopStatusLine();
      await kubernetes?.close();
      if (observability?.ok === true) await observability.close();
    },
  };
}
