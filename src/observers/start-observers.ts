import type { SupervisionView } from '../supervisor/supervision.ts';
import { startKubernetes } from './kubernetes/start-kubernetes.ts';
import { logEvents } from './log-events.ts';
import type { Logger } from './logger.ts';
import type { ObserverSettings } from './observer-protocol.ts';
import { pidFile } from './pid-file.ts';
import { startStatusLine } from './status-line.ts';

export interface ObserverContext {
  readonly settings: ObserverSettings;
  readonly supervision: SupervisionView;
  readonly logger: Logger;
  /** Seconds the supervision thread takes to answer now (podvisor_nodejs_eventloop_lag_seconds, asked at scrape time). */
  readonly supervisionThreadDelay: () => Promise<number>;
}

export interface RunningObservers {
  /** Set when an observer cannot do its job and podvisor should not run without it (the HTTP port cannot be bound). */
  readonly failure: string | undefined;
  /** Resolves true when the Pod was already being deleted at start (a SIGTERM podvisor may not have heard). */
  readonly podDeletion: Promise<boolean>;
  /** Flushes what must go out before exit (each part bounds its own wait) and stops everything. */
  close(): Promise<void>;
}

/** Everything that watches supervision, on the observer thread (observer-thread.ts). Observers never change supervision. */
export async function startObservers(context: ObserverContext): Promise<RunningObservers> {
  const { settings, supervision, logger } = context;
  supervision.observe(logEvents(logger));
  if (settings.pidFile !== undefined) supervision.observe(pidFile(settings.pidFile, (message) => logger.warn(message)));
  const stopStatusLine = startStatusLine(supervision, logger, settings.statusIntervalSeconds);

  // Metrics and the HTTP port: prom-client and node:net load only when the port is on (not 0).
  const observability =
    settings.httpPort === 0 ? undefined : await (await import('./http/start-observability.ts')).startObservability({ settings, supervision, logger, supervisionThreadDelay: context.supervisionThreadDelay });
  const metrics = observability?.ok === true ? observability.metrics : undefined;

  // Events and annotations on the Pod: returns at once; the Kubernetes client loads in the background.
  const kubernetes = startKubernetes(settings, supervision, logger, (reason, result) => metrics?.countKubernetesEvent(reason, result));

  return {
    failure: observability?.ok === false ? observability.message : undefined,
    podDeletion: kubernetes?.podDeletion ?? Promise.resolve(false),
    async close() {
      stopStatusLine();
      await kubernetes?.close();
      if (observability?.ok === true) await observability.close();
    },
  };
}
