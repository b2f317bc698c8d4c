// The Kubernetes worker thread (its own bundle entry, dist/kubernetes-worker.js): it loads the client and makes
// the requests, so that neither the client's ~100 ms of module compilation nor any request ever runs on the
// thread that supervises the server.
import { parentPort, workerData } from 'node:worker_threads';
import { createPodApi } from './kubernetes-api.ts';
import type { PodApi } from './pod-api.ts';
import { serializeError, type WorkerReply, type WorkerRequest, type WorkerSetup } from './worker-protocol.ts';

const setup = workerData as WorkerSetup;
let api: PodApi | undefined;
let setupError: unknown;
try {
  api = createPodApi(setup.target, setup.timeoutMs);
} catch (error) {
  setupError = error;
}

parentPort?.on('message', (request: WorkerRequest) => {
  void handle(request).then((reply) => parentPort?.postMessage(reply));
});

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    if (api === undefined) throw setupError;
    switch (request.method) {
      case 'readPodDeletion':
        return { id: request.id, ok: true, value: await api.readPodDeletion() };
      case 'patchPodAnnotations':
        await api.patchPodAnnotations(request.argument);
        break;
      default:
        await api[request.method](request.argument);
    }
    return { id: request.id, ok: true };
  } catch (error) {
    return { id: request.id, ok: false, error: serializeError(error) };
  }
}
