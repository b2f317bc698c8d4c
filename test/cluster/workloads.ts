// What the cluster tests share: the images under test, installing the chart, reading pods, podvisor's metrics
// straight from a pod's IP (the host routes to the pod network), and polling with generous bounds.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildImage, imageNamed, podman, BUILD_FLAGS, IMAGE } from '../container/podman.ts';
import { runningCluster, startCluster, type Cluster } from '../helpers/cluster.ts';
import { delay, ROOT } from '../helpers/podvisor-process.ts';
import { runTool, type ToolResult } from '../helpers/tools.ts';

/** The podvisor image, built from the checkout (named after it, as the container suite names it: test/container/podman.ts). */
export const CLUSTER_IMAGE = IMAGE;
/** The same image with tini as PID 1 running the reference server: the comparison of the rollout test. */
export const TINI_IMAGE = imageNamed('cluster-tini');
export const CHART = join(ROOT, 'helm', 'podvisor');
const TINI_CONTAINERFILE = join(ROOT, 'test', 'cluster', 'fixtures', 'tini.Containerfile');

export interface ImageFigures {
  readonly buildSeconds: number;
  readonly importSeconds: number;
}

/** Builds both images with podman (layer-cached) and imports them into the cluster's containerd. */
export async function prepareImages(cluster: Cluster): Promise<ImageFigures> {
  const started = performance.now();
  await buildImage();
  const context = mkdtempSync(join(tmpdir(), 'podvisor-cluster-tini-'));
  try {
    // Debian's static tini: the image has no libc-dependent extras to satisfy.
    copyFileSync('/usr/bin/tini-static', join(context, 'tini'));
    await podman(['build', ...BUILD_FLAGS, '--build-arg', `BASE=${CLUSTER_IMAGE}`, '-f', TINI_CONTAINERFILE, '-t', TINI_IMAGE, context], 300_000);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const buildSeconds = (performance.now() - started) / 1000;
  const importSeconds = await cluster.importImages([CLUSTER_IMAGE, TINI_IMAGE]);
  return { buildSeconds, importSeconds };
}

/** Removes the two images from podman (the cluster's containerd goes with the cluster). */
export async function removeImages(): Promise<void> {
  for (const image of [TINI_IMAGE, CLUSTER_IMAGE]) await runTool('podman', ['image', 'rm', '--force', image]);
}

/** helm --set arguments that point the chart at an image imported into the cluster (never pulled). */
export function imageValues(image: string): string[] {
  const [repository, tag] = image.split(/:(?=[^:/]+$)/) as [string, string];
  return ['--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`, '--set', 'image.pullPolicy=Never'];
}

/** Waits until a namespace of an earlier run (deleted without waiting) is gone, then creates it afresh. */
export async function freshNamespace(cluster: Cluster, namespace: string): Promise<void> {
  await waitFor(`namespace ${namespace} of an earlier run to be gone`, async () => ((await cluster.kubectlResult(['get', 'namespace', namespace])).code === 0 ? undefined : true), 120_000);
  await cluster.kubectl(['create', 'namespace', namespace]);
}

export interface InstallOptions {
  /** Wait for the pods to be Ready (default true). */
  readonly wait?: boolean;
  /** Install into a fresh namespace of its own (default true); false: beside a release installed before. */
  readonly freshNamespace?: boolean;
}

/** `helm install` of the chart with the suite's image. */
export async function installRelease(cluster: Cluster, namespace: string, release: string, values: readonly string[] = [], options: InstallOptions = {}): Promise<void> {
  if (options.freshNamespace !== false) await freshNamespace(cluster, namespace);
  const wait = options.wait !== false ? ['--wait', '--timeout', '3m'] : [];
  await cluster.helm(['install', release, CHART, '--namespace', namespace, ...imageValues(CLUSTER_IMAGE), ...values, ...wait], { timeout: 240_000 });
}

/** The chart rendered (`helm template`) as objects, for tests that change what helm cannot (the tini variant). */
export async function renderChart(cluster: Cluster, namespace: string, release: string, values: readonly string[]): Promise<Record<string, unknown>[]> {
  const text = await cluster.helm(['template', release, CHART, '--namespace', namespace, ...values]);
  return parseAllDocuments(text).map((document) => document.toJSON() as Record<string, unknown> | null).filter((object): object is Record<string, unknown> => object !== null);
}

export interface ContainerState {
  readonly running?: { readonly startedAt: string };
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly terminated?: { readonly exitCode: number; readonly reason?: string; readonly message?: string; readonly startedAt?: string; readonly finishedAt?: string };
}

export interface ContainerStatus {
  readonly name: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly containerID?: string;
  readonly state: ContainerState;
  readonly lastState: ContainerState;
}

export interface Pod {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly deletionTimestamp?: string;
  };
  readonly spec: { readonly terminationGracePeriodSeconds?: number };
  readonly status: {
    readonly phase: string;
    readonly podIP?: string;
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
    readonly containerStatuses?: readonly ContainerStatus[];
  };
}

export async function pods(cluster: Cluster, namespace: string, selector: string): Promise<Pod[]> {
  const list = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])) as { items: Pod[] };
  return list.items;
}

export async function pod(cluster: Cluster, namespace: string, name: string): Promise<Pod> {
  return JSON.parse(await cluster.kubectl(['get', 'pod', name, '-n', namespace, '-o', 'json'])) as Pod;
}

export function isReady(candidate: Pod): boolean {
  return candidate.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
}

/** The selector of a release's pods. */
export function releaseSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}

export interface CoreEvent {
  readonly type: string;
  readonly reason: string;
  readonly message?: string;
  readonly note?: string;
  readonly count?: number;
  readonly involvedObject: { readonly name: string; readonly uid?: string };
  readonly reportingComponent?: string;
}

/** `kubectl get events` for one pod: what a user sees (podvisor's events.k8s.io Events and the kubelet's alike). */
export async function podEvents(cluster: Cluster, namespace: string, podName: string): Promise<CoreEvent[]> {
  const list = JSON.parse(await cluster.kubectl(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${podName}`, '-o', 'json'])) as { items: CoreEvent[] };
  return list.items;
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** podvisor's /metrics of a pod, straight from its IP, parsed into samples. */
export async function podMetrics(podIp: string, port = 9464): Promise<Sample[]> {
  const response = await fetch(`http://${podIp}:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  const samples: Sample[] = [];
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

export function sampleValue(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found.length === 0 ? undefined : found.reduce((sum, sample) => sum + sample.value, 0);
}

/** Polls `probe` until it returns a value other than undefined; rejects after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await delay(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`}`);
}

/** Deletes a test's namespace without waiting for its pods' grace periods. */
export async function dropNamespace(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.kubectlResult(['delete', 'namespace', namespace, '--wait=false']);
}

/** What a failed test needs to be understood: the pods, their Events and podvisor's logs. */
export async function describeNamespace(cluster: Cluster, namespace: string): Promise<string> {
  const parts = await Promise.all([
    cluster.kubectlResult(['get', 'pods', '-n', namespace, '-o', 'wide']),
    cluster.kubectlResult(['get', 'events', '-n', namespace, '--sort-by', '.lastTimestamp']),
    cluster.kubectlResult(['logs', '-n', namespace, '--all-containers', '--prefix', '--tail', '40', '-l', 'app.kubernetes.io/name=podvisor']),
  ]);
  return parts.map((part) => part.stdout + part.stderr).join('\n');
}

/**
 * A suite's tests that leave, when any of them fails, what explains it in the report: `check(name, body)` declares
 * a test; `printIfFailed(cluster)`, from the suite's after(), prints the namespace's pods, Events and podvisor's
 * logs (describeNamespace) once, and only after a failure.
 */
export function explainedChecks(namespace: string): {
  readonly check: (name: string, body: () => Promise<void>) => void;
  readonly printIfFailed: (cluster: Cluster | undefined) => Promise<void>;
} {
  let failed = false;
  return {
    check: (name, body) => {
      test(name, async () => {
        try {
          await body();
        } catch (error) {
          failed = true;
          throw error;
        }
      });
    },
    printIfFailed: async (cluster) => {
      if (failed && cluster !== undefined) process.stdout.write(`# ${(await describeNamespace(cluster, namespace)).replaceAll('\n', '\n# ')}\n`);
    },
  };
}

/**
 * The suite's cluster, with the images imported: the one the global setup brought up, or — for a test file run
 * on its own — one started here (then stopped by the file's close()).
 */
export async function suiteCluster(): Promise<Cluster> {
  const running = runningCluster();
  if (running !== undefined && existsSync(join(running.directory, 'suite.json'))) return running;
  const cluster = running ?? (await startCluster());
  await prepareImages(cluster);
  return {
    ...cluster,
    close: async () => {
      await cluster.close();
      await removeImages();
    },
  };
}

/** `kubectl exec POD -- COMMAND...`; resolves with the exit code and output. */
export function execInPod(cluster: Cluster, namespace: string, podName: string, command: readonly string[]): Promise<ToolResult> {
  return cluster.kubectlResult(['exec', '-n', namespace, podName, '--', ...command], { timeout: 60_000 });
}

/** Runs a test file's setup; when it fails, prints what its namespaces hold (pods, Events, podvisor's logs) first. */
export async function explained(cluster: Cluster, namespaces: readonly string[], setup: () => Promise<void>): Promise<void> {
  try {
    await setup();
  } catch (error) {
    for (const namespace of namespaces) process.stdout.write(`# ${namespace}:\n# ${(await describeNamespace(cluster, namespace)).replaceAll('\n', '\n# ')}\n`);
    throw error;
  }
}
