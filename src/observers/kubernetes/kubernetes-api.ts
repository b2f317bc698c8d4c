// The only module that touches @kubernetes/client-node. It is imported dynamically after the server's spawn,
// and imports the pieces it uses by path so that esbuild bundles those (two API classes, their models'
// serializer) and not the whole client (kubeconfig loaders, auth plugins, watch, exec, port-forward…).
import type { Configuration } from '@kubernetes/client-node/dist/gen/configuration.js';
import { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { ObjectCoreV1Api, ObjectEventsV1Api } from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
import { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { V1MicroTime } from '@kubernetes/client-node/dist/types.js';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { HttpsLibrary } from './https-library.ts';
import type { PodTarget } from './detect-pod.ts';
import type { EventSeries } from './event-series.ts';
import type { PodAnnotations } from './pod-annotations.ts';
import type { PodApi } from './pod-api.ts';

/** Who reports podvisor's Events (`kubectl describe` shows it under From). */
export const REPORTING_CONTROLLER = 'podvisor.io/supervisor';
/** The apiserver's limit for reportingInstance. */
const REPORTING_INSTANCE_LIMIT = 128;
/** The kubelet rewrites a projected token well before it expires; re-reading it this often follows it. */
const TOKEN_REREAD_MS = 60_000;

/** Talks to the API server as the Pod's service account: Events on the Pod, and the Pod's annotations. */
export function createPodApi(target: PodTarget, timeoutMs: number): PodApi {
  const agent = new Agent({ ca: readFileSync(target.caFile), keepAlive: true, maxSockets: 2 });
  const token = tokenSource(target.tokenFile);
  // Built by hand rather than with createConfiguration, whose default transport would bundle undici.
  const configuration: Configuration = {
    baseServer: new ServerConfiguration<Record<string, string>>(target.apiServerUrl, {}),
    httpApi: new HttpsLibrary(agent, timeoutMs),
    middleware: [],
    authMethods: {
      default: {
        getName: () => 'ServiceAccountToken',
        applySecurityAuthentication: async (context: RequestContext) => {
          context.setHeaderParam('Authorization', `Bearer ${await token()}`);
        },
      },
    },
  };
  const events = new ObjectEventsV1Api(configuration);
  const core = new ObjectCoreV1Api(configuration);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const regarding = { apiVersion: 'v1', kind: 'Pod', name: target.name, namespace: target.namespace, uid: target.uid };

  return {
    async readPodDeletion(): Promise<boolean> {
      const pod = await core.readNamespacedPod({ name: target.name, namespace: target.namespace });
      return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
    },
    async createEvent(series: EventSeries): Promise<void> {
      await events.createNamespacedEvent({
        namespace: target.namespace,
        body: {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: series.name, namespace: target.namespace },
          eventTime: new V1MicroTime(series.firstTime),
          type: series.intent.type,
          reason: series.intent.reason,
          action: series.intent.action,
          note: series.intent.note,
          regarding,
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: target.name.slice(0, REPORTING_INSTANCE_LIMIT),
          series: series.count > 1 ? { count: series.count, lastObservedTime: new V1MicroTime(series.lastObservedTime) } : undefined,
        },
      });
    },
    async patchEventSeries(series: EventSeries): Promise<void> {
      await events.patchNamespacedEvent(
        { name: series.name, namespace: target.namespace, body: { series: { count: series.count, lastObservedTime: new V1MicroTime(series.lastObservedTime) } } },
        mergePatch,
      );
    },
    async patchPodAnnotations(annotations: PodAnnotations): Promise<void> {
      await core.patchNamespacedPod({ name: target.name, namespace: target.namespace, body: { metadata: { annotations } } }, mergePatch);
    },
    async close(): Promise<void> {
      agent.destroy();
    },
  };
}

/** The bearer token, re-read now and then; it only ever goes into the Authorization header. */
function tokenSource(path: string): () => Promise<string> {
  let cached: { value: string; readAt: number } | undefined;
  return async () => {
    const now = Date.now();
    if (cached === undefined || now - cached.readAt >= TOKEN_REREAD_MS) cached = { value: (await readFile(path, 'utf8')).trim(), readAt: now };
    return cached.value;
  };
}
