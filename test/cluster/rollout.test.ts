// `kubectl rollout restart` of the reference server under load, on a real node: requests through the Service's
// ClusterIP every ~50 ms while the pods are replaced. With podvisor's defaults none may fail; the same image and
// server with tini as PID 1 is measured beside it, in the same cluster and run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../helpers/cluster.ts';
import { measureRollout, summarizeRollout, tiniManifest, type RolloutResult } from './rollout-load.ts';
import { describeNamespace, dropNamespace, freshNamespace, installRelease, suiteCluster , explained } from './workloads.ts';

const PODVISOR_NAMESPACE = 'rollout-podvisor';
const TINI_NAMESPACE = 'rollout-tini';
const REPLICAS = '2';
const STREAM_PORT = 8080;

describe('kubectl rollout restart under load on a real node', { timeout: 900_000 }, () => {
  let cluster: Cluster;
  const results: Record<string, RolloutResult> = {};

  before(async () => {
    cluster = await suiteCluster();
    await explained(cluster, [PODVISOR_NAMESPACE, TINI_NAMESPACE], async () => {
      await freshNamespace(cluster, TINI_NAMESPACE);
      await Promise.all([
        installRelease(cluster, PODVISOR_NAMESPACE, 'roll', ['--set', `replicaCount=${REPLICAS}`]),
        cluster.kubectl(['apply', '-n', TINI_NAMESPACE, '-f', '-'], { input: await tiniManifest(cluster, TINI_NAMESPACE, 'roll', REPLICAS) }),
      ]);
    });
  });

  after(async () => {
    for (const [subject, result] of Object.entries(results)) process.stdout.write(`# ${summarizeRollout(subject, result)}\n`);
    if (cluster !== undefined) {
      await dropNamespace(cluster, PODVISOR_NAMESPACE);
      await dropNamespace(cluster, TINI_NAMESPACE);
      await cluster.close();
    }
  });

  test('podvisor\'s defaults: no failed request; every old pod\'s podvisor exits 0 after the drain; open streams get their final frame', async () => {
    const result = await measureRollout(cluster, { namespace: PODVISOR_NAMESPACE, deployment: 'roll-podvisor', service: 'roll-podvisor', port: STREAM_PORT, selector: 'app.kubernetes.io/instance=roll', streams: true });
    results['podvisor'] = result;
    const report = `${summarizeRollout('podvisor', result)}\nfailures: ${JSON.stringify(result.failed)}\nold pods: ${JSON.stringify(result.oldPods)}\nstreams: ${JSON.stringify(result.streams)}`;
    try {
      assert.equal(result.failed.length, 0, `failed requests through the Service during the rollout\n${report}`);
      assert.equal(result.oldPods.length, Number(REPLICAS), report);
      for (const old of result.oldPods) {
        assert.equal(old.exitCode, 0, `${old.name}: podvisor's exit status\n${report}`);
        assert.equal(old.reason, 'Completed', report);
        // The termination message podvisor writes says why it exited (kubectl describe pod shows it).
        assert.match(old.message ?? '', /SIGTERM/, `${old.name}: the termination message\n${report}`);
      }
      assert.equal(result.streams.length, Number(REPLICAS), report);
      for (const stream of result.streams) {
        assert.equal(stream.last?.['final'], true, `${stream.pod}: the stream's last frame\n${report}`);
        assert.equal(stream.error, undefined, report);
      }
    } catch (error) {
      process.stdout.write(`# ${(await describeNamespace(cluster, PODVISOR_NAMESPACE)).replaceAll('\n', '\n# ')}\n`);
      throw error;
    }
  });

  test('tini as PID 1 (same image, same server): the failed requests counted', async (context) => {
    const result = await measureRollout(cluster, { namespace: TINI_NAMESPACE, deployment: 'roll-podvisor', service: 'roll-podvisor', port: STREAM_PORT, selector: 'app.kubernetes.io/instance=roll' });
    results['tini'] = result;
    context.diagnostic(summarizeRollout('tini', result));
    // A measurement, not a requirement: tini forwards SIGTERM at once, so what fails depends on kube-proxy's timing.
    assert.ok(result.requests > 0);
    assert.equal(result.oldPods.length, Number(REPLICAS));
  });
});
