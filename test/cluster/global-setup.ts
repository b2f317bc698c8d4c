// The cluster suite's one cluster (node --test --test-global-setup): brought up before the first test file,
// with the images built and imported, and taken down after the last one — also when tests failed. A cluster
// that was already running (started by hand with scripts/cluster.sh up) is used and left running. One run per
// machine at a time (lockCluster): another checkout's run waits for this one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockCluster, runningCluster, startCluster, stopCluster, type Cluster } from '../helpers/cluster.ts';
import { prepareImages, removeImages } from './workloads.ts';

let owned = false;
let unlock: (() => void) | undefined;

export async function globalSetup(): Promise<void> {
  unlock = await lockCluster();
  let cluster: Cluster | undefined = runningCluster();
  const started = performance.now();
  if (cluster === undefined) {
    owned = true;
    cluster = await startCluster();
  }
  try {
    const upSeconds = (performance.now() - started) / 1000;
    const images = await prepareImages(cluster);
    const memory = cluster.memory();
    // For the suite's report and docs/cluster.md: what bringing the cluster up cost.
    const figures = { owned, upSeconds, phases: cluster.phases, images, memory, kubernetesVersion: cluster.kubernetesVersion };
    writeFileSync(join(cluster.directory, 'suite.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stderr.write(`# cluster: ${cluster.kubernetesVersion} up in ${upSeconds.toFixed(1)} s (node Ready at ${cluster.phases['ready'] ?? '?'} s), images built in ${images.buildSeconds.toFixed(1)} s and imported in ${images.importSeconds.toFixed(1)} s; components ${memory.reduce((sum, entry) => sum + entry.rssMiB, 0).toFixed(0)} MiB RSS\n`);
  } catch (error) {
    if (owned) await stopCluster(true);
    await removeImages();
    unlock();
    throw error;
  }
}

export async function globalTeardown(): Promise<void> {
  try {
    if (owned) await stopCluster(process.env.PODVISOR_CLUSTER_KEEP_LOGS === '1');
    await removeImages();
  } finally {
    unlock?.();
  }
}
