// `kubectl rollout restart` under load, measured: a client on the node sends a request through the Service's
// ClusterIP every ~50 ms (a new connection each time, so every request goes through kube-proxy's rules as a new
// client's would) while the Deployment rolls; streams opened on the old pods before the rollout show whether
// they got their final frame; a watch on the pods records how each old pod's container ended. Shared by the
// rollout test and bench/cluster.bench.ts.
import { get, type IncomingMessage } from 'node:http';
import type { Cluster, WatchEvent } from '../helpers/cluster.ts';
import { delay } from '../helpers/podvisor-process.ts';
import { imageValues, isReady, pods, renderChart, TINI_IMAGE, waitFor, type Pod } from './workloads.ts';

export interface RolloutOptions {
  readonly namespace: string;
  readonly deployment: string;
  readonly service: string;
  /** The Service port and the pods' container port of the streaming server. */
  readonly port: number;
  readonly selector: string;
  readonly requestIntervalMs?: number;
  readonly requestTimeoutMs?: number;
  /** The whole measurement stops after this long, whatever the rollout's state. */
  readonly maxSeconds?: number;
  /** Open a stream on every old pod before the rollout (the reference server's /live/<channel>). */
  readonly streams?: boolean;
}

export interface FailedRequest {
  /** Milliseconds after `kubectl rollout restart` was issued. */
  readonly atMs: number;
  readonly error: string;
}

export interface OldPodOutcome {
  readonly name: string;
  readonly exitCode?: number;
  readonly reason?: string;
  readonly message?: string;
  /** Seen terminating (deletionTimestamp) → container seen terminated, by the watch. */
  readonly stopSeconds?: number;
}

export interface StreamOutcome {
  readonly pod: string;
  readonly frames: number;
  /** The stream's last line, parsed (the final frame carries "final": true). */
  readonly last?: Record<string, unknown>;
  readonly error?: string;
}

export interface RolloutResult {
  readonly requests: number;
  readonly failed: readonly FailedRequest[];
  /** `kubectl rollout restart` → `kubectl rollout status` returned. */
  readonly rolloutSeconds: number;
  /** `kubectl rollout restart` → the last old pod gone. */
  readonly seconds: number;
  readonly oldPods: readonly OldPodOutcome[];
  readonly streams: readonly StreamOutcome[];
}

/** One GET on a new connection; resolves with undefined on a 200, else what went wrong. */
function probe(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: timeoutMs }, (response: IncomingMessage) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200 ? undefined : `HTTP ${response.statusCode}`));
      response.on('error', (error) => resolve(error.message));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

interface OpenStream {
  readonly outcome: () => StreamOutcome;
  readonly closed: Promise<void>;
  readonly firstFrame: Promise<void>;
}

function openStream(podName: string, url: string): OpenStream {
  const lines: string[] = [];
  let pending = '';
  let error: string | undefined;
  let gotFrame: () => void = () => {};
  const firstFrame = new Promise<void>((resolve) => {
    gotFrame = resolve;
  });
  const closed = new Promise<void>((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        const complete = pending.split('\n');
        pending = complete.pop() ?? '';
        lines.push(...complete.filter((line) => line !== ''));
        if (lines.length > 0) gotFrame();
      });
      response.on('end', resolve);
      response.on('close', resolve);
      response.on('error', (failure) => {
        error = failure.message;
        resolve();
      });
    });
    request.on('error', (failure) => {
      error = failure.message;
      gotFrame();
      resolve();
    });
  });
  const outcome = (): StreamOutcome => {
    const lastLine = lines.at(-1);
    let last: Record<string, unknown> | undefined;
    try {
      last = lastLine === undefined ? undefined : (JSON.parse(lastLine) as Record<string, unknown>);
    } catch {
      last = { unparsed: lastLine };
    }
    return { pod: podName, frames: lines.length, ...(last === undefined ? {} : { last }), ...(error === undefined ? {} : { error }) };
  };
  return { outcome, closed, firstFrame };
}

export async function measureRollout(cluster: Cluster, options: RolloutOptions): Promise<RolloutResult> {
  const intervalMs = options.requestIntervalMs ?? 50;
  const timeoutMs = options.requestTimeoutMs ?? 2000;
  const maxMs = (options.maxSeconds ?? 150) * 1000;
  const { namespace, deployment } = options;

  await cluster.kubectl(['rollout', 'status', `deployment/${deployment}`, '-n', namespace, '--timeout', '180s'], { timeout: 200_000 });
  const clusterIp = (await cluster.kubectl(['get', 'service', options.service, '-n', namespace, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const url = `http://${clusterIp}:${options.port}/`;
  // kube-proxy may not have synced the Service's endpoints yet: measure from the first success.
  await waitFor(`the first answer through ${url}`, async () => ((await probe(url, timeoutMs)) === undefined ? true : undefined), 60_000, 200);

  const old = (await pods(cluster, namespace, options.selector)).filter((candidate) => isReady(candidate) && candidate.metadata.deletionTimestamp === undefined);
  const oldNames = new Set(old.map((candidate) => candidate.metadata.name));

  const streams = options.streams === true
    ? old.map((candidate, index) => openStream(candidate.metadata.name, `http://${candidate.status.podIP}:${options.port}/live/rollout-${index}`))
    : [];
  await Promise.race([Promise.all(streams.map((stream) => stream.firstFrame)), delay(10_000)]);

  // How each old pod ends, from a watch: a pod's last MODIFIED (and its DELETED) carries its container's final state.
  const outcomes = new Map<string, { terminatingAt?: number; exitCode?: number; reason?: string; message?: string; stoppedAt?: number }>();
  const gone = new Set<string>();
  const record = (event: WatchEvent): void => {
    const seen = event.object as unknown as Pod;
    const name = seen.metadata?.name;
    if (name === undefined || !oldNames.has(name)) return;
    const outcome = outcomes.get(name) ?? {};
    if (seen.metadata.deletionTimestamp !== undefined && outcome.terminatingAt === undefined) outcome.terminatingAt = performance.now();
    const terminated = seen.status?.containerStatuses?.[0]?.state?.terminated;
    if (terminated !== undefined && outcome.exitCode === undefined) {
      outcome.exitCode = terminated.exitCode;
      outcome.stoppedAt = performance.now();
      if (terminated.reason !== undefined) outcome.reason = terminated.reason;
      if (terminated.message !== undefined) outcome.message = terminated.message;
    }
    outcomes.set(name, outcome);
    if (event.type === 'DELETED') gone.add(name);
  };
  const watch = cluster.watch(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(options.selector)}`, record);

  const started = performance.now();
  const failed: FailedRequest[] = [];
  let requests = 0;
  let finished = false;
  const inFlight = new Set<Promise<void>>();
  const load = (async () => {
    let next = performance.now();
    while (!finished && performance.now() - started < maxMs) {
      const sentAt = performance.now() - started;
      requests += 1;
      const request = probe(url, timeoutMs).then((error) => {
        if (error !== undefined) failed.push({ atMs: Math.round(sentAt), error });
      });
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
      next += intervalMs;
      await delay(Math.max(0, next - performance.now()));
    }
  })();

  let rolloutSeconds: number | undefined;
  try {
    await cluster.kubectl(['rollout', 'restart', `deployment/${deployment}`, '-n', namespace]);
    await cluster.kubectl(['rollout', 'status', `deployment/${deployment}`, '-n', namespace, '--timeout', `${Math.round(maxMs / 1000)}s`], { timeout: maxMs + 10_000 });
    rolloutSeconds = (performance.now() - started) / 1000;
    const deadline = started + maxMs;
    while (gone.size < oldNames.size && performance.now() < deadline) await delay(100);
    // A little longer: requests sent just before the last old pod went are still answered or failing.
    await delay(2000);
  } finally {
    finished = true;
    await load;
    await Promise.all([...inFlight]);
    watch.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.race([Promise.all(streams.map((stream) => stream.closed)), delay(5000)]);

  return {
    requests,
    failed,
    rolloutSeconds: rolloutSeconds ?? Number.NaN,
    seconds,
    oldPods: [...oldNames].map((name) => {
      const outcome = outcomes.get(name) ?? {};
      return {
        name,
        ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        ...(outcome.message === undefined ? {} : { message: outcome.message }),
        ...(outcome.terminatingAt === undefined || outcome.stoppedAt === undefined ? {} : { stopSeconds: (outcome.stoppedAt - outcome.terminatingAt) / 1000 }),
      };
    }),
    streams: streams.map((stream) => stream.outcome()),
  };
}

/** The rollout's figures in one line, for the test's output and bench/. */
export function summarizeRollout(subject: string, result: RolloutResult): string {
  const kinds = new Map<string, number>();
  for (const failure of result.failed) kinds.set(failure.error, (kinds.get(failure.error) ?? 0) + 1);
  const detail = [...kinds].map(([kind, count]) => `${count}× ${kind}`).join(', ');
  return `${subject}: ${result.failed.length} failed of ${result.requests} requests${detail === '' ? '' : ` (${detail})`}; rollout ${result.rolloutSeconds.toFixed(1)} s, old pods gone after ${result.seconds.toFixed(1)} s`;
}

/**
 * The chart's objects with the tini image: tini has no /healthz or /readyz, so the probes go to the server's own
 * port (GET / answers 200 while it runs), with the chart's readiness timing.
 */
export async function tiniManifest(cluster: Cluster, namespace: string, release: string, replicas: string): Promise<string> {
  const objects = await renderChart(cluster, namespace, release, [
    ...imageValues(TINI_IMAGE), '--set', `replicaCount=${replicas}`,
    '--set', 'probes.startup.enabled=false', '--set', 'probes.liveness.enabled=false', '--set', 'probes.readiness.enabled=false',
  ]);
  const kept = objects.filter((object) => (object['metadata'] as { annotations?: Record<string, string> } | undefined)?.annotations?.['helm.sh/hook'] === undefined);
  for (const object of kept) {
    if (object['kind'] !== 'Deployment') continue;
    const container = ((object['spec'] as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers)[0] as Record<string, unknown>;
    container['readinessProbe'] = { httpGet: { path: '/', port: 'stream' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 };
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: kept });
}
