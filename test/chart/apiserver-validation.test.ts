// The rendered objects are valid Kubernetes objects: a real kube-apiserver (no kubelet or controllers) accepts
// them with strict field validation — the chart over a matrix of values (server-side dry run) and k8s/ applied
// for real. The Prometheus Operator's kinds are left out: no CRDs are installed on this apiserver.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-apiserver.ts';
import { kubectl } from '../helpers/tools.ts';
import { KUSTOMIZATION, render } from './chart.ts';

const OPERATOR_KINDS = new Set(['ServiceMonitor', 'PodMonitor', 'PrometheusRule']);

const MATRIX: readonly (readonly [string, object])[] = [
  ['the defaults', {}],
  ["a user's server, tuned, everything optional on", {
    replicaCount: 3,
    server: { command: ['node', 'server.js'], port: 3000, env: [{ name: 'CHANNELS', value: 'a,b' }], envFrom: [{ configMapRef: { name: 'server-config' } }] },
    podvisor: { drainSeconds: 2.5, killGraceMs: 500, stopSignal: 'SIGQUIT', fatalConfirmSeconds: 2, readiness: 'http:http://127.0.0.1:3000/healthz', extraEnv: [{ name: 'PODVISOR_STATUS_INTERVAL_SECONDS', value: '60' }] },
    prefs: { autoRestart: false },
    metrics: { prometheusAnnotations: true, serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } },
    podDisruptionBudget: { enabled: true, minAvailable: '50%' },
    tmp: { sizeLimit: null },
    probes: { startup: { enabled: false }, liveness: { enabled: true }, readiness: { enabled: true } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'podvisor' } } }],
  }],
  ['no ServiceAccount or RBAC of its own', { serviceAccount: { create: false, name: 'default' }, rbac: { create: false }, podDisruptionBudget: { enabled: false } }],
  ['Kubernetes off, a preStop sleep instead of the delay, a PodMonitor', {
    podvisor: { kubernetes: 'off', shutdownDelaySeconds: 0 },
    lifecycle: { preStopSleepSeconds: 5 },
    metrics: { podMonitor: { enabled: true } },
    podDisruptionBudget: { enabled: true, maxUnavailable: 0, unhealthyPodEvictionPolicy: 'IfHealthyBudget' },
  }],
];

describe('on a real kube-apiserver', { timeout: 180_000 }, () => {
  let cluster: KubeApiServer;
  const admin = (args: readonly string[], input?: string): Promise<string> =>
    kubectl(['--kubeconfig', cluster.kubeconfig, ...args], input === undefined ? {} : { input });

  before(async () => {
    cluster = await startKubeApiServer();
    console.log(`# kube-apiserver ${cluster.version}`);
    // No controller-manager runs here to create the namespace's default ServiceAccount (the test Pod uses it).
    await admin(['create', 'serviceaccount', 'default', '-n', 'default']);
  });
  after(async () => {
    await cluster?.close();
  });

  for (const [name, values] of MATRIX) {
    it(`accepts the chart rendered with ${name} (server-side dry run, strict field validation)`, async () => {
      const objects = (await render(values)).filter((object) => !OPERATOR_KINDS.has(object.kind));
      // YAML 1.1, as kubectl reads it: a string such as "off" stays quoted (1.2 would write it bare, and kubectl read a bool).
      const manifest = objects.map((object) => stringify(object, { version: '1.1' })).join('---\n');
      const output = await admin(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], manifest);
      for (const object of objects) {
        assert.match(output, new RegExp(`${object.kind.toLowerCase()}[^ ]*/${object.metadata.name} (created|configured) \\(server dry run\\)`), output);
      }
    });
  }

  it('applies k8s/ with kubectl apply -k, and stores the Deployment as written', async () => {
    const output = await admin(['apply', '--validate=strict', '-k', KUSTOMIZATION]);
    assert.match(output, /deployment\.apps\/podvisor created/);
    assert.match(output, /validatingadmissionpolicy\.admissionregistration\.k8s\.io\/podvisor-own-pod\.default created/);
    assert.match(output, /validatingadmissionpolicybinding\.admissionregistration\.k8s\.io\/podvisor-own-pod\.default created/);
    const deployment = JSON.parse(await admin(['get', 'deployment', 'podvisor', '-n', 'default', '-o', 'json'])) as {
      spec: { template: { spec: { terminationGracePeriodSeconds: number; serviceAccountName: string; containers: { image: string }[] } } };
    };
    assert.equal(deployment.spec.template.spec.terminationGracePeriodSeconds, 16);
    assert.equal(deployment.spec.template.spec.serviceAccountName, 'podvisor');
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'podvisor:0.1.0');
  });
});
