// A real single-node Kubernetes cluster for the cluster suite and bench/: scripts/cluster.sh brings it up (etcd,
// kube-apiserver, controller-manager, scheduler, kubelet on containerd + runc, kube-proxy, CNI bridge, CoreDNS)
// and takes it down again, undoing its host changes. One cluster per machine at a time: the suite's global setup
// (test/cluster/global-setup.ts) starts it once and every test file connects to it; a test file run alone
// starts its own and stops it after.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { ROOT } from './podvisor-process.ts';
import { HELM, requireTool, runTool, runToolOk, type ToolResult } from './tools.ts';

export const CLUSTER_SCRIPT = join(ROOT, 'scripts', 'cluster.sh');
export const CLUSTER_DIRECTORY = process.env.PODVISOR_CLUSTER_DIR !== undefined && process.env.PODVISOR_CLUSTER_DIR !== ''
  ? process.env.PODVISOR_CLUSTER_DIR
  : '/var/tmp/podvisor-cluster';

/** What scripts/cluster.sh writes to cluster.json once the node is Ready. */
export interface ClusterInfo {
  readonly directory: string;
  readonly binaries: string;
  readonly kubeconfig: string;
  readonly caFile: string;
  /** https://NODE_IP:PORT */
  readonly server: string;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly containerdSocket: string;
  readonly kubernetesVersion: string;
  readonly corednsVersion: string;
  /** The sandbox image every pod runs (built and imported by scripts/cluster.sh); also a tiny image for bystander pods. */
  readonly pauseImage: string;
  /** The Prometheus binary (with Kubernetes discovery) that scripts/build-kubernetes.sh built beside them. */
  readonly prometheus: string;
  readonly containerdVersion: string;
  readonly runcVersion: string;
  readonly etcdVersion: string;
  readonly cniPluginsVersion: string;
}

export interface ComponentMemory {
  readonly component: string;
  readonly rssMiB: number;
}

export interface Cluster extends ClusterInfo {
  /** The bring-up phases, in seconds since `up` began (prepared, etcd, containerd, kube-apiserver, ready). */
  readonly phases: Readonly<Record<string, number>>;
  /** kubectl (the cluster's own, same version) as cluster-admin; rejects unless it exits 0. */
  kubectl(args: readonly string[], options?: { readonly input?: string; readonly timeout?: number }): Promise<string>;
  /** kubectl, resolving with the exit code and output whatever they are. */
  kubectlResult(args: readonly string[], options?: { readonly input?: string; readonly timeout?: number }): Promise<ToolResult>;
  /** helm from the tool cache against this cluster. */
  helm(args: readonly string[], options?: { readonly timeout?: number }): Promise<string>;
  /** One request to the apiserver as cluster-admin, without a kubectl process (milliseconds matter). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
  /** A watch on the apiserver: `onEvent` gets every event until stop(). */
  watch(path: string, onEvent: (event: WatchEvent) => void): { stop(): void };
  /**
   * containerd's own event stream (`ctr events`): container and task lifecycle as the runtime sees it, with the
   * runtime's timestamps — a container's start is known here before the kubelet reports it.
   */
  containerEvents(onEvent: (event: ContainerEvent) => void): { stop(): void };
  /** Copies podman images into the cluster's containerd; resolves with the seconds it took. */
  importImages(images: readonly string[]): Promise<number>;
  /** Resident memory of every component now, and of the containerd shims (one per pod). */
  memory(): ComponentMemory[];
  /** Stops the cluster if this process started it (a cluster shared by the suite is left to the global teardown). */
  close(): Promise<void>;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

export interface ContainerEvent {
  /** Milliseconds since the epoch (containerd's clock: this machine's). */
  readonly at: number;
  /** e.g. /tasks/create, /tasks/start, /tasks/exit */
  readonly topic: string;
  readonly payload: Record<string, unknown>;
}

const CLUSTER_JSON = join(CLUSTER_DIRECTORY, 'cluster.json');

/** One line of `ctr events`: "2026-11-30 23:23:45.818107580 +0000 UTC k8s.io /tasks/start {...}". */
export function parseContainerEvent(line: string): ContainerEvent | undefined {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? \+0000 UTC \S+ (\S+) (\{.*\})$/.exec(line);
  if (match === null) return undefined;
  const fraction = Number(`0.${match[3] ?? '0'}`);
  try {
    return { at: Date.parse(`${match[1]}T${match[2]}Z`) + fraction * 1000, topic: match[4] as string, payload: JSON.parse(match[5] as string) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** Brings a cluster up with scripts/cluster.sh (minutes when the Kubernetes binaries must be built first). */
export async function startCluster(): Promise<Cluster> {
  const result = await runTool('bash', [CLUSTER_SCRIPT, 'up'], { timeout: 45 * 60_000 });
  if (result.code !== 0) throw new Error(`scripts/cluster.sh up exited ${result.code}:\n${result.stderr}`);
  return connect(true);
}

/** The running cluster (the suite's, or one started by hand), or undefined when none runs. */
export function runningCluster(): Cluster | undefined {
  if (!existsSync(CLUSTER_JSON)) return undefined;
  // State a crashed run left behind, with its processes gone, is no cluster: `up` clears it.
  for (const component of ['kube-apiserver', 'kubelet']) {
    try {
      const pid = Number(readFileSync(join(CLUSTER_DIRECTORY, 'pids', `${component}.pid`), 'utf8'));
      if (!existsSync(`/proc/${pid}`)) return undefined;
    } catch {
      return undefined;
    }
  }
  return connect(false);
}

/**
 * Takes the machine's cluster lock: one suite (or bench) run at a time drives the one cluster a machine can run.
 * Waits for a run in another checkout to finish. The lock is held by a `flock` child reading our stdin, so it is
 * released by release() or when this process dies, whatever the way.
 */
export async function lockCluster(timeoutMs = 60 * 60_000): Promise<() => void> {
  const child = spawn('flock', ['--exclusive', '--timeout', String(Math.ceil(timeoutMs / 1000)), `${CLUSTER_DIRECTORY}.lock`, 'sh', '-c', 'echo locked; exec cat > /dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const locked = await new Promise<boolean>((resolve) => {
    child.stdout.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  if (!locked) throw new Error(`could not take ${CLUSTER_DIRECTORY}.lock within ${timeoutMs} ms: another cluster suite or bench run holds it`);
  return () => {
    child.stdin.end();
  };
}

/** The suite's cluster when one runs, else a cluster of this process's own (stopped by close()). */
export async function useCluster(): Promise<Cluster> {
  return runningCluster() ?? (await startCluster());
}

/** Takes the cluster down (scripts/cluster.sh down): every process stopped, every host change undone. */
export async function stopCluster(keepLogs = false): Promise<void> {
  const result = await runTool('bash', [CLUSTER_SCRIPT, 'down', ...(keepLogs ? ['--keep-logs'] : [])], { timeout: 180_000 });
  if (result.code !== 0) throw new Error(`scripts/cluster.sh down exited ${result.code}:\n${result.stderr}`);
}

function connect(owned: boolean): Cluster {
  const info = JSON.parse(readFileSync(CLUSTER_JSON, 'utf8')) as ClusterInfo;
  const kubectlBinary = join(info.binaries, 'kubectl');
  const pki = join(info.directory, 'pki');
  const tls = { ca: readFileSync(info.caFile), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
  const server = new URL(info.server);
  const requestOptions = (method: string, path: string): RequestOptions => ({ ...tls, method, host: server.hostname, port: server.port, path, headers: { accept: 'application/json' } });

  const kubectlResult = (args: readonly string[], options: { readonly input?: string; readonly timeout?: number } = {}): Promise<ToolResult> =>
    runTool(kubectlBinary, ['--kubeconfig', info.kubeconfig, ...args], { timeout: options.timeout ?? 120_000, ...(options.input === undefined ? {} : { input: options.input }) });

  return {
    ...info,
    phases: readPhases(info.directory),
    kubectlResult,
    kubectl: async (args, options = {}) => {
      const result = await kubectlResult(args, options);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
      return result.stdout;
    },
    helm: (args, options = {}) => runToolOk(requireTool(HELM), [...args, '--kubeconfig', info.kubeconfig], { timeout: options.timeout ?? 300_000 }),
    api: (method, path, body) =>
      new Promise((resolve, reject) => {
        const outgoing = request(requestOptions(method, path), (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        });
        outgoing.on('error', reject);
        if (body !== undefined) outgoing.setHeader('content-type', 'application/json');
        outgoing.end(body === undefined ? undefined : JSON.stringify(body));
      }),
    watch: (path, onEvent) => {
      let stopped = false;
      const outgoing = request(requestOptions('GET', `${path}${path.includes('?') ? '&' : '?'}watch=1`), (response) => {
        let pending = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          pending += chunk;
          let newline = pending.indexOf('\n');
          while (newline !== -1) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== '') onEvent(JSON.parse(line) as WatchEvent);
            newline = pending.indexOf('\n');
          }
        });
        response.on('error', () => {});
      });
      outgoing.on('error', (error) => {
        if (!stopped) throw error;
      });
      outgoing.end();
      return {
        stop: () => {
          stopped = true;
          outgoing.destroy();
        },
      };
    },
    containerEvents: (onEvent) => {
      const child = spawn('ctr', ['--address', info.containerdSocket, '--namespace', 'k8s.io', 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let pending = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const event = parseContainerEvent(line);
          if (event !== undefined) onEvent(event);
        }
      });
      return { stop: () => void child.kill() };
    },
    importImages: async (images) => {
      const started = performance.now();
      await runToolOk('bash', [CLUSTER_SCRIPT, 'import', ...images], { timeout: 600_000 });
      return (performance.now() - started) / 1000;
    },
    memory: () => componentMemory(info),
    close: async () => {
      if (owned) await stopCluster();
    },
  };
}

function readPhases(directory: string): Record<string, number> {
  const phases: Record<string, number> = {};
  const file = join(directory, 'timings');
  if (!existsSync(file)) return phases;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, ms] = line.split(' ');
    if (name !== undefined && ms !== undefined) phases[name] = Number(ms) / 1000;
  }
  return phases;
}

/** VmRSS of a process in MiB, or undefined when it is gone. */
function rssMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

function componentMemory(info: ClusterInfo): ComponentMemory[] {
  const memory: ComponentMemory[] = [];
  const pids = join(info.directory, 'pids');
  for (const file of readdirSync(pids).filter((name) => name.endsWith('.pid')).sort()) {
    const rss = rssMiB(Number(readFileSync(join(pids, file), 'utf8')));
    if (rss !== undefined) memory.push({ component: file.slice(0, -'.pid'.length), rssMiB: rss });
  }
  // The shims are containerd's children per pod sandbox: found by our socket in their command line.
  let shims = 0;
  let shimRss = 0;
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!command.startsWith('/usr/bin/containerd-shim-runc-v2') || !command.includes(info.containerdSocket)) continue;
      shimRss += rssMiB(Number(entry)) ?? 0;
      shims += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  if (shims > 0) memory.push({ component: `containerd-shim-runc-v2 ×${shims}`, rssMiB: shimRss });
  return memory;
}

/** The podman images' ids (for the record of what was tested). */
export function imageId(image: string): string {
  return execFileSync('podman', ['image', 'inspect', image, '--format', '{{.Id}}'], { encoding: 'utf8' }).trim().slice(0, 12);
}
