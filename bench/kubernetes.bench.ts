/**
 * Kubernetes on vs off. podvisor runs as a Pod of a real kube-apiserver (test/helpers/kube-apiserver.ts, RBAC as
 * the chart grants it) or with PODVISOR_KUBERNETES=off, and we measure:
 * - start-up: exec of podvisor → the server's first instruction (bench-stamp.sh), on and off alternating — the
 *   Kubernetes client loads after the spawn, so the two should not differ;
 * - RSS of podvisor once the ServerStarted Event is on the apiserver (on) or after the same settling time (off), its
 *   HTTP port open (as in a pod: the port is on by default) and scraped once;
 * - the client's own cost (dist/chunks/kubernetes-api-*.js, loaded on the observer thread only in a pod): its size;
 *   in a fresh Node, on a worker thread as podvisor loads it, the time until it has answered a first request, the RSS
 *   it adds, and how long the main thread (podvisor's supervision thread) stalls meanwhile.
 * node bench/kubernetes.bench.ts [TRIALS]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { startKubeApiServer, type KubeApiServer } from '../test/helpers/kube-apiserver.ts';
import { kubectl } from '../test/helpers/tools.ts';
import { printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, NODE, ROOT, delay, explained, launch, realtimeMs, rssMb, scratch, waitForLines } from './lib/subjects.ts';
import { freePort } from '../test/helpers/podvisor-process.ts';

const TRIALS = Number(process.argv[2] ?? 15);
const STAMP = join(FIXTURES, 'bench-stamp.sh');
const NAMESPACE = 'bench';
const SETTLE_MS = 3000;

async function podEnvironment(cluster: KubeApiServer, directory: string): Promise<Record<string, string>> {
  const admin = (args: readonly string[]): Promise<string> => kubectl(['--kubeconfig', cluster.kubeconfig, ...args]);
  await admin(['create', 'namespace', NAMESPACE]);
  await admin(['create', 'serviceaccount', 'podvisor', '-n', NAMESPACE]);
  await admin(['create', 'role', 'podvisor-events', '-n', NAMESPACE, '--verb=create,patch', '--resource=events.events.k8s.io']);
  await admin(['create', 'role', 'podvisor-pods', '-n', NAMESPACE, '--verb=patch', '--resource=pods']);
  for (const role of ['podvisor-events', 'podvisor-pods']) await admin(['create', 'rolebinding', role, '-n', NAMESPACE, `--role=${role}`, `--serviceaccount=${NAMESPACE}:podvisor`]);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bench', namespace: NAMESPACE }, spec: { serviceAccountName: 'podvisor', containers: [{ name: 'podvisor', image: 'podvisor' }] } };
  const created = JSON.parse(await kubectl(['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-', '-o', 'json'], { input: JSON.stringify(pod) })) as { metadata: { uid: string } };
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'token'), (await admin(['create', 'token', 'podvisor', '-n', NAMESPACE, '--duration', '1h'])).trim());
  writeFileSync(join(directory, 'namespace'), NAMESPACE);
  copyFileSync(cluster.caFile, join(directory, 'ca.crt'));
  return {
    KUBERNETES_SERVICE_HOST: cluster.host,
    KUBERNETES_SERVICE_PORT: String(cluster.port),
    POD_NAME: 'bench',
    POD_NAMESPACE: NAMESPACE,
    POD_UID: created.metadata.uid,
    PODVISOR_KUBERNETES: 'auto',
    PODVISOR_KUBERNETES_SERVICE_ACCOUNT_DIR: directory,
    PODVISOR_LOG_LEVEL: 'warn',
  };
}

async function startup(env: Record<string, string>, file: string): Promise<number> {
  const started = realtimeMs();
  const running = launch('podvisor', [STAMP, file, '0'], { restart: false, podvisorEnv: env });
  try {
    const [stamp] = await explained(running, () => waitForLines(file, 1, 10000));
    return Number(BigInt(stamp as string) / 1000n) / 1000 - started;
  } finally {
    await running.stop();
  }
}

async function serverStartedEvents(cluster: KubeApiServer): Promise<number> {
  const list = JSON.parse(await kubectl(['--kubeconfig', cluster.kubeconfig, 'get', 'events.v1.events.k8s.io', '-n', NAMESPACE, '-o', 'json'])) as { items: Array<{ reason: string }> };
  return list.items.filter((event) => event.reason === 'ServerStarted').length;
}

/** Anonymous memory of `pid` in MB (smaps_rollup): podvisor's own, without the node executable's shared pages. */
function anonymousMb(pid: number): number {
  const match = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  if (match === null) throw new Error(`no Anonymous for ${pid}`);
  return Number(match[1]) / 1024;
}

async function steadyRss(env: Record<string, string>, recorded: (() => Promise<boolean>) | undefined): Promise<{ rss: number[]; anonymous: number[] }> {
  const port = await freePort();
  const running = launch('podvisor', ['sleep', '600'], { podvisorEnv: { ...env, PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
  try {
    await delay(SETTLE_MS);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    await response?.text();
    if (recorded !== undefined) {
      const deadline = Date.now() + 20000;
      while (!(await recorded())) {
        if (Date.now() > deadline) throw new Error('the ServerStarted Event never reached the apiserver');
        await delay(200);
      }
      await delay(500);
    }
    const samples: number[] = [];
    const anonymous: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(rssMb(running.pid));
      anonymous.push(anonymousMb(running.pid));
      await delay(100);
    }
    return { rss: samples, anonymous };
  } finally {
    await running.stop();
  }
}

/**
 * What loading the Kubernetes client costs, in a fresh Node, on a worker thread as podvisor's observer thread loads
 * it: the time until the client has answered a first request (a refused connection: no apiserver is needed for
 * that), the RSS it adds on top of an idle worker, and the longest stretch the main thread is kept from running
 * timers meanwhile (a 1 ms ticker's longest gap).
 */
function clientCost(chunk: string, directory: string): { ms: number; rssMb: number; stallMs: number } {
  const target = { name: 'bench', namespace: 'bench', apiServerUrl: 'https://127.0.0.1:1', tokenFile: join(directory, 'token'), caFile: join(directory, 'ca.crt') };
  const workerScript = join(directory, 'client-worker.mjs');
  writeFileSync(join(directory, 'token'), 'token');
  writeFileSync(join(directory, 'ca.crt'), '');
  writeFileSync(
    workerScript,
    [
      "import { parentPort } from 'node:worker_threads';",
      "parentPort.once('message', async () => {",
      `  const { createPodApi } = await import(${JSON.stringify(pathToFileURL(chunk).href)});`,
      `  const api = createPodApi(${JSON.stringify(target)}, 1000);`,
      '  await api.patchPodAnnotations({}).catch(() => {});',
      "  parentPort.postMessage('answered');",
      '});',
      "parentPort.postMessage('idle');",
    ].join('\n'),
  );
  const script = [
    "import { Worker } from 'node:worker_threads';",
    'let last=performance.now(),stall=0;const ticker=setInterval(()=>{const now=performance.now();stall=Math.max(stall,now-last);last=now},1);',
    `const worker=new Worker(${JSON.stringify(workerScript)},{execArgv:[]});`,
    "await new Promise((resolve)=>worker.once('message',resolve));await new Promise((resolve)=>setTimeout(resolve,200));",
    'stall=0;last=performance.now();const base=process.memoryUsage().rss;const t=performance.now();',
    "worker.postMessage('go');await new Promise((resolve)=>worker.once('message',resolve));const ms=performance.now()-t;",
    'await new Promise((resolve)=>setTimeout(resolve,200));const rss=process.memoryUsage().rss;clearInterval(ticker);await worker.terminate();',
    'process.stdout.write(JSON.stringify({ms,rssMb:(rss-base)/1048576,stallMs:stall}))',
  ].join('');
  return JSON.parse(execFileSync(NODE, ['--max-semi-space-size=2', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, MALLOC_ARENA_MAX: '2' } })) as { ms: number; rssMb: number; stallMs: number };
}


const rows: BenchRow[] = [];
const chunks = join(ROOT, 'dist', 'chunks');
const chunk = readdirSync(chunks).find((file) => /^kubernetes-api-.*\.js$/.test(file));
if (chunk === undefined) throw new Error('dist/chunks/kubernetes-api-*.js is missing: run npm run build first');
progress(`kubernetes: client load × ${TRIALS}`);
const costSpace = scratch('kubernetes-client');
const costs = Array.from({ length: TRIALS }, () => clientCost(join(chunks, chunk), costSpace.dir));
costSpace.remove();
rows.push(row('podvisor', 'Kubernetes client chunk: size', 'KB', [statSync(join(chunks, chunk)).size / 1024], { note: 'esbuild: two API classes and the model serializer, without undici' }));
rows.push(row('podvisor', 'Kubernetes client: load → first answer, on a worker thread', 'ms', costs.map((cost) => cost.ms), { note: "on the observer thread, after the spawn, only in a pod" }));
rows.push(row('podvisor', 'Kubernetes client: RSS added', 'MB', costs.map((cost) => cost.rssMb)));
rows.push(row('podvisor', 'Kubernetes client: longest stall of the main thread meanwhile', 'ms', costs.map((cost) => cost.stallMs), { goal: '≈ 0 (the client loads off-thread)' }));

progress('kubernetes: starting etcd and kube-apiserver');
const cluster = await startKubeApiServer();
const space = scratch('kubernetes');
try {
  const on = await podEnvironment(cluster, space.file('serviceaccount'));
  const off = { PODVISOR_KUBERNETES: 'off', PODVISOR_LOG_LEVEL: 'warn' };
  progress(`kubernetes: start-up on/off × ${TRIALS} (against kube-apiserver ${cluster.version})`);
  await startup(on, space.file('warm-on'));
  await startup(off, space.file('warm-off'));
  const startOn: number[] = [];
  const startOff: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    startOn.push(await startup(on, space.file(`on-${i}`)));
    startOff.push(await startup(off, space.file(`off-${i}`)));
  }
  rows.push(row('podvisor (Kubernetes off)', 'start-up: exec of podvisor → server runs', 'ms', startOff));
  rows.push(row('podvisor (Kubernetes on)', 'start-up: exec of podvisor → server runs', 'ms', startOn, { goal: 'unchanged vs off' }));
  progress('kubernetes: steady RSS on/off');
  const before = await serverStartedEvents(cluster);
  const memoryOff = await steadyRss(off, undefined);
  const memoryOn = await steadyRss(on, async () => (await serverStartedEvents(cluster)) > before);
  rows.push(row('podvisor (Kubernetes off)', 'steady RSS of podvisor, HTTP port open', 'MB', memoryOff.rss));
  rows.push(row('podvisor', 'steady RSS of podvisor, HTTP port open, Kubernetes on (Events recorded)', 'MB', memoryOn.rss, { goal: '≤ 65 MB' }));
  rows.push(row('podvisor (Kubernetes off)', 'steady anonymous memory of podvisor, HTTP port open', 'MB', memoryOff.anonymous));
  rows.push(row('podvisor (Kubernetes on)', 'steady anonymous memory of podvisor, HTTP port open, Kubernetes on', 'MB', memoryOn.anonymous));
} finally {
  space.remove();
  await cluster.close();
}
printResult('kubernetes', rows);
