import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../../config/settings.ts';
import type { Logger } from '../logger.ts';
import type { SupervisionView } from '../../supervisor/supervision.ts';
import { detectPod } from './detect-pod.ts';
import type { PodApi } from './pod-api.ts';
import { DEFAULT_TUNING, PodRecorder, type EventResult } from './pod-recorder.ts';
import { startPodApiWorker } from './worker-pod-api.ts';

export interface KubernetesObserver {
  /**
   * Whether the Pod was already being deleted when podvisor could first ask (metadata.deletionTimestamp): the
   * kubelet's SIGTERM may have come in Node's own start-up, before podvisor could hear it. False when it cannot tell.
   */
  readonly podDeletion: Promise<boolean>;
  /** Waits for the pending requests (the "shutting down" Event) at most PODVISOR_KUBERNETES_SHUTDOWN_WAIT_MS. */
  close(): Promise<void>;
}

/**
 * Starts recording Events and annotations on the Pod when podvisor runs in one. Returns at once: the
 * Kubernetes client is loaded in the background, and Events that happen meanwhile wait in the queue.
 */
export function startKubernetes(
  settings: Settings,
  supervision: SupervisionView,
  logger: Logger,
  /** Told the outcome of every Event (the metrics count them). */
  report: (reason: string, result: EventResult) => void,
  environment: NodeJS.ProcessEnv = process.env,
): KubernetesObserver | undefined {
  const detection = detectPod({
    mode: settings.kubernetes,
    environment,
    serviceAccountDir: settings.kubernetesServiceAccountDir,
    fileExists: existsSync,
    readNamespaceFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
  });
  if (detection.kind === 'off') {
    logger.debug({ why: detection.why }, 'Kubernetes Events and annotations off');
    return undefined;
  }
  if (detection.kind === 'incomplete') {
    logger.warn({ missing: detection.missing }, 'PODVISOR_KUBERNETES=on, but this does not look like a pod: Kubernetes Events and annotations are off');
    return undefined;
  }
  const { target } = detection;
  const workerFile = findWorkerFile();
  if (workerFile === undefined) {
    logger.warn('Kubernetes Events and annotations are off: dist/kubernetes-worker.js is missing (run npm run build)');
    return undefined;
  }
  // The client loads and every request runs in a worker thread: nothing of it ever runs on this thread.
  const api: Promise<PodApi> = Promise.resolve(startPodApiWorker(workerFile, target, DEFAULT_TUNING.timeoutMs));
  const recorder = new PodRecorder({
    target,
    api,
    logger,
    context: { restartDelayMs: settings.restartDelayMs, drainSeconds: settings.drainSeconds },
    report,
  });
  const stopObserving = supervision.observe(recorder.listener);
  const podDeletion = api.then((pod) => pod.readPodDeletion()).catch((error: unknown) => {
    logger.debug({ error: error instanceof Error ? error.message : String(error) }, "cannot read the Pod's deletionTimestamp (RBAC: get pods): a SIGTERM in podvisor's first milliseconds could go unheard");
    return false;
  });
  logger.debug({ pod: `${target.namespace}/${target.name}`, apiServer: target.apiServerUrl }, 'recording Kubernetes Events and annotations on the Pod');
  return {
    podDeletion,
    async close() {
      stopObserving();
      await recorder.close(settings.kubernetesShutdownWaitMs);
    },
  };
}

/**
 * The worker's entry: dist/kubernetes-worker.js beside this chunk's folder (dist/chunks/) in the bundle, or the
 * TypeScript source next to this file when run from src/.
 */
function findWorkerFile(): URL | undefined {
  const candidates = ['../kubernetes-worker.js', './kubernetes-worker.js', './kubernetes-worker.ts'].map((path) => new URL(path, import.meta.url));
  return candidates.find((candidate) => existsSync(fileURLToPath(candidate)));
}
