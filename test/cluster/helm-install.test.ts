// `helm install` of the chart with its default values (Kubernetes features on) on a real node: the pods become
// Ready under the kubelet, podvisor's Events and annotations are what `kubectl` shows, and `helm test` passes.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Cluster } from '../helpers/cluster.ts';
import { explainedChecks, dropNamespace, execInPod, installRelease, isReady, podEvents, pods, releaseSelector, renderChart, suiteCluster, waitFor, imageValues, CLUSTER_IMAGE, type Pod , explained } from './workloads.ts';

const NAMESPACE = 'helm-defaults';
const RELEASE = 'edge';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

// Run inside the pod by its own Node: a merge patch of one annotation on a pod, with the pod's own token.
const PATCH_SCRIPT = `
const [namespace, name, key] = process.argv.slice(1);
const token = require('node:fs').readFileSync('${SERVICE_ACCOUNT_DIR}/token', 'utf8');
fetch('https://kubernetes.default.svc/api/v1/namespaces/' + namespace + '/pods/' + name, {
  method: 'PATCH',
  headers: { authorization: 'Bearer ' + token, 'content-type': 'application/merge-patch+json' },
  body: JSON.stringify({ metadata: { annotations: { [key]: 'patched-from-inside' } } }),
}).then(async (response) => console.log(response.status + ' ' + (await response.text()).slice(0, 300)), (error) => { console.log('error ' + error); process.exitCode = 1; });
`;

describe('helm install with default values on a real node', { timeout: 360_000 }, () => {
  let cluster: Cluster;
  let installed: Pod[] = [];
  const { check, printIfFailed } = explainedChecks(NAMESPACE);

  before(async () => {
    cluster = await suiteCluster();
    await explained(cluster, [NAMESPACE], async () => {
      const started = performance.now();
      await installRelease(cluster, NAMESPACE, RELEASE);
      process.stdout.write(`# helm install --wait: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      installed = await pods(cluster, NAMESPACE, releaseSelector(RELEASE));
    });
  });

  after(async () => {
    await printIfFailed(cluster);
    if (cluster !== undefined) {
      await dropNamespace(cluster, NAMESPACE);
      await cluster.close();
    }
  });

  check('the Deployment\'s pod is Ready under the kubelet, with no container restart', async () => {
    assert.equal(installed.length, 1, 'default values: one replica');
    const [only] = installed as [Pod];
    assert.ok(isReady(only), `pod ${only.metadata.name} is not Ready: ${JSON.stringify(only.status)}`);
    assert.equal(only.status.containerStatuses?.[0]?.restartCount, 0);
  });

  check('podvisor\'s Events are listed by `kubectl get events` for the pod', async () => {
    const [only] = installed as [Pod];
    const events = await waitFor('the ServerStarted Event', async () => {
      const found = await podEvents(cluster, NAMESPACE, only.metadata.name);
      return found.some((event) => event.reason === 'ServerStarted') ? found : undefined;
    }, 30_000);
    const started = events.find((event) => event.reason === 'ServerStarted');
    assert.equal(started?.type, 'Normal');
    assert.match(started?.message ?? '', /reference-server\.js/);
    // The table a user reads.
    const table = await cluster.kubectl(['get', 'events', '-n', NAMESPACE, '--field-selector', `involvedObject.name=${only.metadata.name}`]);
    assert.match(table, /ServerStarted/);
  });

  check('the podvisor.io annotations are on the pod', async () => {
    const [only] = installed as [Pod];
    const annotations = await waitFor('the podvisor.io annotations', async () => {
      const current = JSON.parse(await cluster.kubectl(['get', 'pod', only.metadata.name, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.annotations}'])) as Record<string, string>;
      return current['podvisor.io/state'] === 'running' ? current : undefined;
    }, 30_000);
    assert.equal(annotations['podvisor.io/restarts'], '0');
    assert.equal(annotations['podvisor.io/last-exit'], 'none');
  });

  check('`helm test` passes (its pod reaches /readyz through the Service, by DNS name)', async () => {
    const output = await cluster.helm(['test', RELEASE, '--namespace', NAMESPACE, '--timeout', '3m']);
    assert.match(output, /Phase:\s+Succeeded/);
  });

  check('the service account may patch its own pod\'s podvisor.io annotations and nothing else (from inside the pod)', async () => {
    const rendered = await renderChart(cluster, NAMESPACE, RELEASE, imageValues(CLUSTER_IMAGE));
    assert.ok(rendered.some((object) => object['kind'] === 'ValidatingAdmissionPolicy'), 'the chart renders its ValidatingAdmissionPolicy (RBAC alone would let the service account patch any pod of its namespace)');
    const [own] = installed as [Pod];
    // A bystander in the same namespace: the sandbox image is on the node already.
    await cluster.kubectl(['run', 'bystander', '-n', NAMESPACE, '--image', cluster.pauseImage, '--image-pull-policy', 'Never', '--restart', 'Never']);
    const patch = async (target: string, key: string): Promise<string> => {
      const result = await execInPod(cluster, NAMESPACE, own.metadata.name, ['env', `NODE_EXTRA_CA_CERTS=${SERVICE_ACCOUNT_DIR}/ca.crt`, 'node', '-e', PATCH_SCRIPT, NAMESPACE, target, key]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim();
    };
    assert.match(await patch(own.metadata.name, 'podvisor.io/probe'), /^200 /, 'its own pod, a podvisor.io annotation');
    assert.match(await patch(own.metadata.name, 'example.com/other'), /^(403|422) /, 'its own pod, an annotation outside podvisor.io');
    assert.match(await patch('bystander', 'podvisor.io/probe'), /^(403|422) /, 'another pod');
  });
});
