import type { DestinationStream } from 'pino';
import type { Settings } from '../config/settings.ts';
import { OrphanReaper } from '../pid1/reaper.ts';
import { startKubernetes } from '../kubernetes/start-kubernetes.ts';
import type { Supervision } from '../supervisor/supervision.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { logEvents } from './log-events.ts';
import { createLogger, type Logger } from './logger.ts';
import { pidFile } from './pid-file.ts';
import { startStatusLine } from './status-line.ts';

export interface ObserverContext {
  readonly settings: Settings;
  readonly supervision: Supervision;
  readonly supervisor: Supervisor;
  readonly ownChildren: ReadonlySet<number>;
  readonly logDestination: DestinationStream | undefined;
}

export interface RunningObservers {
  readonly logger: Logger;
  /** Flushes what must go out before exit (each part bounds its own wait) and stops everything. */
  close(): Promise<void>;
}

/** Everything that watches supervision, loaded after the server was spawned. */
export async function startObservers(context: ObserverContext): Promise<RunningObservers> {
  const { settings, supervision } = context;
  const logger = createLogger(settings.logLevel, context.logDestination);
  supervision.observe(logEvents(logger));
  if (settings.pidFile !== undefined) supervision.observe(pidFile(settings.pidFile, (message) => logger.warn(message)));

  const reaper = new OrphanReaper(context.ownChildren, (pid) => supervision.emit({ type: 'orphan_reaped', pid }));
  reaper.start();
  const stopStatusLine = startStatusLine(supervision, logger, settings.statusIntervalSeconds);

  // Metrics and the HTTP port (issue 5): prom-client and node:http load only when the port is on (not 0).
  const observability = settings.httpPort === 0 ? undefined : await (await import('./http/start-observability.ts')).startObservability({ settings, supervision, supervisor: context.supervisor, logger });

  // Events and annotations on the Pod (issue 7): returns at once; the Kubernetes client loads in the background.
  const kubernetes = startKubernetes(settings, supervision, logger);

  return {
    logger,
    async close() {
      stopStatusLine();
      reaper.stop();
      await kubernetes?.close();
      await observability?.close();
    },
  };
}
