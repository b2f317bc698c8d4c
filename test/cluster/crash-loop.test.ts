// A server that exits 3 a second after every start, on a real node. podvisor restarts it inside the container —
// the restarts show as Events, annotations and metrics while Kubernetes sees a healthy container (restartCount 0)
// — until the start limit: then podvisor gives up and exits 1, and Kubernetes' own crash loop takes over.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Cluster } from '../helpers/cluster.ts';
import { explainedChecks, dropNamespace, installRelease, pod, podEvents, podMetrics, pods, releaseSelector, sampleValue, suiteCluster, waitFor, type Pod , explained } from './workloads.ts';

const NAMESPACE = 'crash-loop';
const RELEASE = 'crashy';
// Four restarts (1, 2, 4 and 8 s of back-off): about 20 s of in-container restarts before podvisor gives up.
const START_LIMIT_BURST = 4;

describe('a server that keeps crashing, on a real node', { timeout: 420_000 }, () => {
  let cluster: Cluster;
  let podName: string;
  let podIp: string;
  const { check, printIfFailed } = explainedChecks(NAMESPACE);

  before(async () => {
    cluster = await suiteCluster();
    await explained(cluster, [NAMESPACE], async () => {
      await installRelease(cluster, NAMESPACE, RELEASE, [
        '--set-json', 'server.command=["node","-e","setTimeout(() => process.exit(3), 1000)"]',
        '--set', `podvisor.startLimitBurst=${START_LIMIT_BURST}`,
      ], { wait: false });
      const created = await waitFor('the pod running', async () => {
        const [found] = await pods(cluster, NAMESPACE, releaseSelector(RELEASE));
        return found?.status.podIP !== undefined && found.status.containerStatuses?.[0]?.state.running !== undefined ? found : undefined;
      }, 120_000, 200);
      podName = created.metadata.name;
      podIp = created.status.podIP as string;
    });
  });

  after(async () => {
    await printIfFailed(cluster);
    if (cluster !== undefined) {
      await dropNamespace(cluster, NAMESPACE);
      await cluster.close();
    }
  });

  check('in-container restarts show as Events, annotations and metrics while the pod\'s restartCount stays 0', async () => {
    // All three read within the first container's life: the metrics and annotations start over with a new podvisor.
    const seen = await waitFor('two in-container restarts in the metrics and the annotations', async () => {
      const restarts = sampleValue(await podMetrics(podIp), 'podvisor_server_restarts_total', { reason: 'exit_code' }) ?? 0;
      const current: Pod = await pod(cluster, NAMESPACE, podName);
      const annotated = Number(current.metadata.annotations?.['podvisor.io/restarts'] ?? 0);
      return restarts >= 2 && annotated >= 2 ? { restarts, annotated, current } : undefined;
    }, 30_000, 250);
    assert.equal(seen.current.status.containerStatuses?.[0]?.restartCount, 0, 'Kubernetes has not restarted the container: podvisor did');
    assert.match(seen.current.metadata.annotations?.['podvisor.io/last-exit'] ?? '', /3/, 'the last exit names the exit code');
    const events = await waitFor('the ServerRestarting and BackOff Events', async () => {
      const found = await podEvents(cluster, NAMESPACE, podName);
      return found.some((event) => event.reason === 'ServerRestarting') && found.some((event) => event.reason === 'BackOff') ? found : undefined;
    }, 30_000);
    const restarting = events.find((event) => event.reason === 'ServerRestarting');
    assert.match(restarting?.message ?? '', /3/, 'the restart Event names the exit code');
    assert.equal(events.find((event) => event.reason === 'BackOff')?.type, 'Warning');
  });

  check('past the start limit podvisor exits 1 and Kubernetes shows the crash loop (restartCount grows, CrashLoopBackOff)', async () => {
    let sawCrashLoopBackOff = false;
    const final = await waitFor('a container restart and CrashLoopBackOff', async () => {
      const current = await pod(cluster, NAMESPACE, podName);
      const status = current.status.containerStatuses?.[0];
      if (status?.state.waiting?.reason === 'CrashLoopBackOff') sawCrashLoopBackOff = true;
      return status !== undefined && status.restartCount >= 1 && sawCrashLoopBackOff ? status : undefined;
    }, 240_000, 250);
    assert.equal(final.lastState.terminated?.exitCode, 1, `podvisor's exit status after giving up: ${JSON.stringify(final.lastState)}`);
    const events = await podEvents(cluster, NAMESPACE, podName);
    const gaveUp = events.find((event) => event.reason === 'GaveUp');
    assert.equal(gaveUp?.type, 'Warning', 'podvisor\'s GaveUp Event');
    assert.match(gaveUp?.message ?? '', /exits 1/);
    assert.ok(events.some((event) => event.reason === 'BackOff' && /restarting failed container/i.test(event.message ?? '')), 'the kubelet\'s own BackOff Event');
  });
});
