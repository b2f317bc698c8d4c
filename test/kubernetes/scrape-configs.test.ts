// The scrape configs docs/monitoring.md offers (monitoring/scrape-configs/) give podvisor's series the labels the
// alert rules' unit tests assume (test/chart/scrape-setups.ts). A real Prometheus (Debian's 2.42) scrapes a real
// podvisor through the static config and through the kubernetes-pods config's relabelling, and loads
// monitoring/podvisor.rules.yaml, whose every rule must evaluate on the real series without error.
//
// Debian builds Prometheus without its Kubernetes service discovery, so the kubernetes-pods job gets its target
// from a file_sd stand-in: the meta labels Prometheus' pod role derives from a Pod (docs of kubernetes_sd_config),
// computed here from the chart's Pod as a real kube-apiserver stores it (the Pod's IP set to 127.0.0.1, where
// podvisor listens, since no kubelet runs here). The relabelling under test is the documented one, unchanged.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { scrapeSetups, type Labels } from '../chart/scrape-setups.ts';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-apiserver.ts';
import { eventually, freePort, ROOT, startPodvisor, type RunningPodvisor } from '../helpers/podvisor-process.ts';
import { helm, kubectl } from '../helpers/tools.ts';

const NAMESPACE = 'streams';
const RELEASE = 'edge';
const FULLNAME = 'edge-podvisor';
const POD = 'edge-podvisor-6d5f7c9b8-x2x7k';
const SCRAPE_CONFIGS = join(ROOT, 'monitoring', 'scrape-configs');
const RULES_FILE = join(ROOT, 'monitoring', 'podvisor.rules.yaml');

interface ScrapeConfig { job_name: string; kubernetes_sd_configs?: Record<string, unknown>[]; file_sd_configs?: { files: string[] }[]; static_configs?: { targets: string[] }[] }

interface PodObject {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec: { readonly containers: readonly { readonly name: string; readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[] }[] };
  readonly status: { readonly phase: string; readonly podIP: string };
}

/** Prometheus' label-name sanitising of Kubernetes label and annotation names. */
const sanitized = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** The targets kubernetes_sd_configs role pod makes of a Pod: one per container port, with its meta labels. */
function podRoleTargets(pod: PodObject): { targets: string[]; labels: Record<string, string> }[] {
  const common: Record<string, string> = {
    __meta_kubernetes_namespace: pod.metadata.namespace,
    __meta_kubernetes_pod_name: pod.metadata.name,
    __meta_kubernetes_pod_uid: pod.metadata.uid,
    __meta_kubernetes_pod_ip: pod.status.podIP,
    __meta_kubernetes_pod_phase: pod.status.phase,
  };
  for (const [name, value] of Object.entries(pod.metadata.labels ?? {})) {
    common[`__meta_kubernetes_pod_label_${sanitized(name)}`] = value;
    common[`__meta_kubernetes_pod_labelpresent_${sanitized(name)}`] = 'true';
  }
  for (const [name, value] of Object.entries(pod.metadata.annotations ?? {})) {
    common[`__meta_kubernetes_pod_annotation_${sanitized(name)}`] = value;
    common[`__meta_kubernetes_pod_annotationpresent_${sanitized(name)}`] = 'true';
  }
  return pod.spec.containers.flatMap((container) => (container.ports ?? []).map((port) => ({
    targets: [`${pod.status.podIP}:${port.containerPort}`],
    labels: {
      ...common,
      __meta_kubernetes_pod_container_name: container.name,
      __meta_kubernetes_pod_container_port_name: port.name ?? '',
      __meta_kubernetes_pod_container_port_number: String(port.containerPort),
      __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
    },
  })));
}

describe('the documented scrape configs, with a real Prometheus and a real kube-apiserver', { timeout: 240_000 }, () => {
  let cluster: KubeApiServer;
  let podvisor: RunningPodvisor;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let prometheusUrl: string;
  let address: string;
  let podLabels: Labels;
  const work = mkdtempSync(join(tmpdir(), 'podvisor-scrape-'));
  const admin = (args: readonly string[], input?: string): Promise<string> =>
    kubectl(['--kubeconfig', cluster.kubeconfig, ...args], input === undefined ? {} : { input });
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${prometheusUrl}${path}`);
    const body = (await response.json()) as { status: string; data: T };
    assert.equal(body.status, 'success', `${path}: ${JSON.stringify(body)}`);
    return body.data;
  };

  before(async () => {
    cluster = await startKubeApiServer();
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await admin(['create', 'namespace', NAMESPACE]);
    await helm(['install', RELEASE, join(ROOT, 'helm', 'podvisor'), '--kubeconfig', cluster.kubeconfig, '--namespace', NAMESPACE, '--wait=false',
      '--set', 'metrics.prometheusAnnotations=true', '--set', `podvisor.httpPort=${port}`]);
    // The Pod the ReplicaSet would create, then what the kubelet would report once its container runs.
    const template = JSON.parse(await admin(['get', 'deployment', FULLNAME, '-n', NAMESPACE, '-o', 'jsonpath={.spec.template}'])) as { metadata: { labels: Record<string, string> }; spec: object };
    const metadata = { ...template.metadata, name: POD, namespace: NAMESPACE, labels: { ...template.metadata.labels, 'pod-template-hash': '6d5f7c9b8' } };
    await admin(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec: template.spec }));
    await admin(['patch', 'pod', POD, '-n', NAMESPACE, '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] } })]);
    podLabels = metadata.labels;

    podvisor = startPodvisor({ command: ['sleep', '300'], env: { PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });

    const configs = ['kubernetes-pods.yaml', 'static.yaml'].map((file) => (parse(readFileSync(join(SCRAPE_CONFIGS, file), 'utf8')) as { scrape_configs: ScrapeConfig[] }).scrape_configs[0] as ScrapeConfig);
    const [kubernetesPods, staticConfig] = configs as [ScrapeConfig, ScrapeConfig];
    assert.deepEqual(kubernetesPods.kubernetes_sd_configs, [{ role: 'pod' }]);
    delete kubernetesPods.kubernetes_sd_configs;
    const pod = JSON.parse(await admin(['get', 'pod', POD, '-n', NAMESPACE, '-o', 'json'])) as PodObject;
    const targetsFile = join(work, 'kubernetes-pods.json');
    writeFileSync(targetsFile, JSON.stringify(podRoleTargets(pod)));
    kubernetesPods.file_sd_configs = [{ files: [targetsFile] }];
    staticConfig.static_configs = [{ targets: [address] }];
    const prometheusPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    const configFile = join(work, 'prometheus.yml');
    writeFileSync(configFile, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: [RULES_FILE], scrape_configs: [kubernetesPods, staticConfig] }));
    prometheus = spawn('prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    const started = prometheus;
    await eventually(async () => {
      if (started.exitCode !== null) throw new Error(`Prometheus exited ${started.exitCode}:\n${prometheusLog}`);
      return fetch(`${prometheusUrl}/-/ready`).then((response) => response.ok, () => false);
    }, 'Prometheus ready', 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nPrometheus log:\n${prometheusLog}`);
    });
  });

  after(async () => {
    podvisor?.kill();
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = once(prometheus, 'exit');
      prometheus.kill('SIGTERM');
      await exited;
    }
    await cluster?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('each config gives the series exactly the labels the alert rules were tested with', async () => {
    const expected = scrapeSetups({ namespace: NAMESPACE, pod: POD, fullname: FULLNAME, address, podLabels }).filter((setup) => setup.config !== undefined);
    let series: Labels[] = [];
    await eventually(async () => {
      series = await api<Labels[]>('/api/v1/series?match[]=podvisor_server_up');
      return series.length >= expected.length;
    }, 'podvisor_server_up from both jobs', 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nseries: ${JSON.stringify(series)}\nPrometheus log:\n${prometheusLog}`);
    });
    for (const setup of expected) {
      const found = series.filter((labels) => labels.job === setup.labels.job);
      assert.equal(found.length, 1, `${setup.name}: ${JSON.stringify(series)}`);
      const { __name__: name, ...labels } = found[0] as Labels;
      assert.equal(name, 'podvisor_server_up');
      assert.deepEqual(labels, setup.labels, setup.name);
    }
  });

  test('Prometheus loads monitoring/podvisor.rules.yaml and evaluates every rule on the real series without error', async () => {
    interface RuleState { name: string; health: string; lastError?: string; lastEvaluation: string }
    let rules: RuleState[] = [];
    await eventually(async () => {
      const data = await api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules');
      rules = data.groups.flatMap((group) => group.rules);
      return rules.length > 0 && rules.every((rule) => !rule.lastEvaluation.startsWith('0001'));
    }, 'every rule evaluated once', 30_000);
    assert.equal(rules.length, 9);
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`);
  });
});
