import { Worker } from 'node:worker_threads';
import type { PodTarget } from './detect-pod.ts';
import type { EventSeries } from './event-series.ts';
import type { PodAnnotations } from './pod-annotations.ts';
import type { PodApi } from './pod-api.ts';
import { deserializeError, type WorkerReply, type WorkerRequest, type WorkerSetup } from './worker-protocol.ts';

/** The PodApi of the worker thread in `workerFile` (dist/kubernetes-worker.js): each call is one message. */
export function startPodApiWorker(workerFile: URL, target: PodTarget, timeoutMs: number): PodApi {
  const worker = new Worker(workerFile, { workerData: { target, timeoutMs } satisfies WorkerSetup });
  // The worker never keeps podvisor alive; exit ends it.
  worker.unref();
  const pending = new Map<number, { resolve: (value: boolean | undefined) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(deserializeError(reply.error));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the Kubernetes worker thread exited (${code})`)));

  const call = (request: Omit<WorkerRequest, 'id'>): Promise<boolean | undefined> =>
    new Promise((resolve, reject) => {
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });

  return {
    readPodDeletion: async () => (await call({ method: 'readPodDeletion' })) === true,
    createEvent: async (series: EventSeries) => void (await call({ method: 'createEvent', argument: series })),
    patchEventSeries: async (series: EventSeries) => void (await call({ method: 'patchEventSeries', argument: series })),
    patchPodAnnotations: async (annotations: PodAnnotations) => void (await call({ method: 'patchPodAnnotations', argument: annotations })),
    close: async () => {
      await worker.terminate();
    },
  };
}
