/**
 * A real single-node Kubernetes cluster (scripts/cluster.sh): what it costs, and the rollout comparison.
 * - bring-up: `cluster.sh up` → etcd healthy, kube-apiserver ready, node Ready (and CoreDNS, kube-proxy,
 *   controller-manager and scheduler healthy); once per run (trials 1) unless a cluster already runs;
 * - memory: RSS of every component, idle and with the rollout's pods running;
 * - `kubectl rollout restart` under load (test/cluster/rollout-load.ts): failed requests through the Service's
 *   ClusterIP, a request every 50 ms, for podvisor's defaults and for the same image and server with tini as
 *   PID 1, rounds alternating in the same cluster.
 * node bench/cluster.bench.ts [ROUNDS]
 */
import { lockCluster, runningCluster, startCluster, stopCluster, type Cluster } from '../test/helpers/cluster.ts';
import { measureRollout, summarizeRollout, tiniManifest } from '../test/cluster/rollout-load.ts';
import { dropNamespace, freshNamespace, installRelease, prepareImages, removeImages } from '../test/cluster/workloads.ts';
import { absent, printResult, progress, row, type BenchRow } from './lib/report.ts';

const ROUNDS = Number(process.argv[2] ?? 3);
const REPLICAS = '2';
const PODVISOR_NAMESPACE = 'bench-rollout-podvisor';
const TINI_NAMESPACE = 'bench-rollout-tini';

const rows: BenchRow[] = [];
const unlock = await lockCluster();
let cluster: Cluster | undefined = runningCluster();
const owned = cluster === undefined;
try {
  if (cluster === undefined) {
    progress('bringing the cluster up (scripts/cluster.sh up)');
    cluster = await startCluster();
  } else {
    progress('a cluster already runs: its bring-up figures are from its own start');
  }
  const phases = cluster.phases;
  rows.push(row('cluster', 'bring-up: node Ready', 's', [phases['ready'] ?? Number.NaN], {
    note: `Kubernetes ${cluster.kubernetesVersion}; etcd healthy ${phases['etcd']} s, containerd ${phases['containerd']} s, kube-apiserver ready ${phases['kube-apiserver']} s, then controller-manager, scheduler, kubelet, kube-proxy, CoreDNS`,
  }));
  const idle = cluster.memory();
  const idleTotal = idle.reduce((sum, entry) => sum + entry.rssMiB, 0);
  rows.push(row('cluster', 'memory: components, idle', 'MiB', [idleTotal], { note: idle.map((entry) => `${entry.component} ${entry.rssMiB.toFixed(0)}`).join(', ') }));

  progress('building and importing the images');
  const images = await prepareImages(cluster);
  progress(`images built in ${images.buildSeconds.toFixed(1)} s, imported in ${images.importSeconds.toFixed(1)} s`);
  rows.push(row('cluster', 'image import (podvisor + tini variant)', 's', [images.importSeconds]));

  await freshNamespace(cluster, TINI_NAMESPACE);
  await Promise.all([
    installRelease(cluster, PODVISOR_NAMESPACE, 'roll', ['--set', `replicaCount=${REPLICAS}`]),
    cluster.kubectl(['apply', '-n', TINI_NAMESPACE, '-f', '-'], { input: await tiniManifest(cluster, TINI_NAMESPACE, 'roll', REPLICAS) }),
  ]);
  const loaded = cluster.memory();
  rows.push(row('cluster', `memory: components, ${Number(REPLICAS) * 2} pods`, 'MiB', [loaded.reduce((sum, entry) => sum + entry.rssMiB, 0)], { note: loaded.map((entry) => `${entry.component} ${entry.rssMiB.toFixed(0)}`).join(', ') }));

  const failed: Record<'podvisor' | 'tini', number[]> = { podvisor: [], tini: [] };
  const requests: Record<'podvisor' | 'tini', number[]> = { podvisor: [], tini: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const subject of ['podvisor', 'tini'] as const) {
      const namespace = subject === 'podvisor' ? PODVISOR_NAMESPACE : TINI_NAMESPACE;
      const result = await measureRollout(cluster, { namespace, deployment: 'roll-podvisor', service: 'roll-podvisor', port: 8080, selector: 'app.kubernetes.io/instance=roll' });
      progress(`round ${round}: ${summarizeRollout(subject, result)}`);
      failed[subject].push(result.failed.length);
      requests[subject].push(result.requests);
    }
  }
  const note = (subject: 'podvisor' | 'tini'): string => `${REPLICAS} replicas, maxSurge 1, maxUnavailable 0; a GET on a new connection every 50 ms; requests per rollout ${requests[subject].join(', ')}`;
  rows.push(row('podvisor', 'rollout restart: failed requests', 'requests', failed.podvisor, { goal: '≤ 0', note: note('podvisor') }));
  rows.push(row('tini', 'rollout restart: failed requests', 'requests', failed.tini, { note: `${note('tini')}; tini forwards SIGTERM at once` }));
} catch (error) {
  const why = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
  progress(`cluster bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  rows.push(absent('cluster', 'bring-up: node Ready', 's', `not measured: ${why}`));
} finally {
  if (cluster !== undefined) {
    await dropNamespace(cluster, PODVISOR_NAMESPACE);
    await dropNamespace(cluster, TINI_NAMESPACE);
  }
  if (owned && cluster !== undefined) await stopCluster();
  await removeImages();
  unlock();
}
printResult('cluster', rows);
