// Prometheus scraping podvisor's pods the way users run it, on a real node: a Prometheus outside the cluster
// (scripts/build-kubernetes.sh builds one: Debian's is built without Kubernetes discovery) discovering pods with
// kubernetes_sd_configs (role pod) against the cluster's apiserver with a ServiceAccount token, with the scrape job
// the project ships for the chart's prometheus.io annotations, and each release's PrometheusRule groups loaded as a
// rule file. A healthy release and a crashing one run side by side.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { parse, stringify } from 'yaml';
import type { Cluster } from '../helpers/cluster.ts';
import { freePort, ROOT } from '../helpers/podvisor-process.ts';
import { runTool } from '../helpers/tools.ts';
import { CLUSTER_IMAGE, explainedChecks, dropNamespace, freshNamespace, imageValues, installRelease, pods, releaseSelector, renderChart, suiteCluster, waitFor , explained } from './workloads.ts';

const NAMESPACE = 'monitored';
const MONITORING = 'monitoring';
const STEADY = 'steady';
const CRASHY = 'crashy';
const ANNOTATED = ['--set', 'metrics.prometheusAnnotations=true'];
// Short intervals for the test; the rules' own `for:` and ranges are the chart's.
const INTERVAL = '2s';

const SCRAPE_CONFIG = join(ROOT, 'monitoring', 'scrape-configs', 'kubernetes-pods.yaml');

/**
 * The scrape job the project ships for annotated pods (monitoring/scrape-configs/kubernetes-pods.yaml, see
 * docs/monitoring.md), as is but for what a Prometheus outside the cluster must be told: the apiserver, its CA and a
 * token (inside, it would use its own service account). The rule files: one per release, as each release's
 * PrometheusRule would be loaded.
 */
function prometheusConfig(server: string, directory: string, ruleFiles: readonly string[]): string {
  const shipped = parse(readFileSync(SCRAPE_CONFIG, 'utf8')) as { scrape_configs: Array<{ kubernetes_sd_configs: Array<Record<string, unknown>> }> };
  const [job] = shipped.scrape_configs;
  assert.ok(job !== undefined && job.kubernetes_sd_configs.length === 1, `${SCRAPE_CONFIG}: one job with one kubernetes_sd_configs entry`);
  job.kubernetes_sd_configs = [{
    ...job.kubernetes_sd_configs[0],
    api_server: server,
    authorization: { credentials_file: join(directory, 'token') },
    tls_config: { ca_file: join(directory, 'ca.crt') },
  }];
  return stringify({
    global: { scrape_interval: INTERVAL, scrape_timeout: '1s', evaluation_interval: INTERVAL },
    rule_files: ruleFiles,
    scrape_configs: [job],
  });
}

interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

interface PromAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

describe('Prometheus scraping the pods with kubernetes_sd_configs, the chart\'s rules loaded', { timeout: 480_000 }, () => {
  let cluster: Cluster;
  let directory: string;
  let prometheus: ChildProcess | undefined;
  let base: string;
  let steadyPods: string[] = [];
  let crashyPod: string;
  const { check, printIfFailed } = explainedChecks(NAMESPACE);

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const query = (expression: string): Promise<PromSample[]> => api<{ result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expression)}`).then((data) => data.result);

  before(async () => {
    cluster = await suiteCluster();
    await explained(cluster, [NAMESPACE, MONITORING], async () => {
      directory = mkdtempSync(join(tmpdir(), 'podvisor-prometheus-'));

      // Prometheus' credentials: a ServiceAccount that may read pods cluster-wide, and a token for it.
      await freshNamespace(cluster, MONITORING);
      await cluster.kubectl(['create', 'serviceaccount', 'prometheus', '-n', MONITORING]);
      await cluster.kubectlResult(['delete', 'clusterrole,clusterrolebinding', 'podvisor-test-prometheus']);
      await cluster.kubectl(['create', 'clusterrole', 'podvisor-test-prometheus', '--verb=get,list,watch', '--resource=pods']);
      await cluster.kubectl(['create', 'clusterrolebinding', 'podvisor-test-prometheus', '--clusterrole=podvisor-test-prometheus', `--serviceaccount=${MONITORING}:prometheus`]);
      writeFileSync(join(directory, 'token'), (await cluster.kubectl(['create', 'token', 'prometheus', '-n', MONITORING, '--duration', '2h'])).trim());
      copyFileSync(cluster.caFile, join(directory, 'ca.crt'));

      // Each release's PrometheusRule (default values: its selectors keep to the release's own pods), rendered and
      // saved as a plain rule file: its spec.groups.
      const ruleFiles: string[] = [];
      for (const release of [STEADY, CRASHY]) {
        const rendered = await renderChart(cluster, NAMESPACE, release, [...imageValues(CLUSTER_IMAGE), '--set', 'metrics.prometheusRule.enabled=true']);
        const rule = rendered.find((object) => object['kind'] === 'PrometheusRule') ?? assert.fail('the chart rendered no PrometheusRule');
        const file = join(directory, `podvisor-rules-${release}.yml`);
        writeFileSync(file, stringify({ groups: (rule['spec'] as { groups: unknown[] }).groups }));
        const checked = await runTool('promtool', ['check', 'rules', file]);
        assert.equal(checked.code, 0, `promtool check rules ${file}:\n${checked.stdout}${checked.stderr}`);
        ruleFiles.push(file);
      }

      writeFileSync(join(directory, 'prometheus.yml'), prometheusConfig(cluster.server, directory, ruleFiles));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      prometheus = spawn(cluster.prometheus, [
        `--config.file=${join(directory, 'prometheus.yml')}`, `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      let prometheusLog = '';
      prometheus.stderr?.on('data', (chunk: Buffer) => {
        prometheusLog = (prometheusLog + chunk.toString()).slice(-20_000);
      });
      const running = prometheus;
      await waitFor('Prometheus ready', async () => {
        if (running.exitCode !== null) throw new Error(`prometheus exited ${running.exitCode}:\n${prometheusLog.slice(-2000)}`);
        return (await fetch(`${base}/-/ready`)).ok ? true : undefined;
      }, 60_000, 250).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n${prometheusLog.slice(-2000)}`);
      });

      // A healthy release of two pods, and one whose server exits 3 a second after every start.
      await installRelease(cluster, NAMESPACE, STEADY, [...ANNOTATED, '--set', 'replicaCount=2']);
      await installRelease(cluster, NAMESPACE, CRASHY, [...ANNOTATED, '--set-json', 'server.command=["node","-e","setTimeout(() => process.exit(3), 1000)"]'], { wait: false, freshNamespace: false });
      steadyPods = (await pods(cluster, NAMESPACE, releaseSelector(STEADY))).map((found) => found.metadata.name).sort();
      crashyPod = await waitFor('the crashing pod', async () => (await pods(cluster, NAMESPACE, releaseSelector(CRASHY)))[0]?.metadata.name, 60_000);
    });
  });

  after(async () => {
    await printIfFailed(cluster);
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = once(prometheus, 'exit');
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    if (cluster !== undefined) {
      await dropNamespace(cluster, NAMESPACE);
      await dropNamespace(cluster, MONITORING);
      await cluster.kubectlResult(['delete', 'clusterrole,clusterrolebinding', 'podvisor-test-prometheus']);
      await cluster.close();
    }
  });

  check('every annotated pod in the cluster is discovered and scraped: up == 1 for each', async () => {
    const annotated = JSON.parse(await cluster.kubectl(['get', 'pods', '--all-namespaces', '-o', 'json'])) as { items: Array<{ metadata: { name: string; annotations?: Record<string, string> } }> };
    const expected = annotated.items.filter((found) => found.metadata.annotations?.['prometheus.io/scrape'] === 'true').map((found) => found.metadata.name).sort();
    assert.deepEqual(expected, [...steadyPods, crashyPod].sort(), 'the pods the chart annotated');
    const up = await waitFor('up == 1 for every annotated pod', async () => {
      const samples = await query('up{job="kubernetes-pods"}');
      const scraped = samples.filter((sample) => sample.value[1] === '1').map((sample) => sample.metric['pod'] as string).sort();
      return expected.every((name) => scraped.includes(name)) ? samples : undefined;
    }, 60_000, 1000);
    assert.deepEqual(up.map((sample) => sample.metric['pod']).sort(), expected, 'discovered: exactly the annotated pods (one target each, though each pod has two ports)');
  });

  check('the one-hot server state and the restart counters, per pod', async () => {
    const states = await query(`podvisor_server_state{namespace="${NAMESPACE}"}`);
    for (const name of [...steadyPods, crashyPod]) {
      const own = states.filter((sample) => sample.metric['pod'] === name);
      assert.equal(own.length, 8, `${name}: one series per state`);
      assert.equal(own.reduce((sum, sample) => sum + Number(sample.value[1]), 0), 1, `${name}: exactly one state is 1`);
    }
    for (const name of steadyPods) {
      assert.equal(states.find((sample) => sample.metric['pod'] === name && sample.metric['state'] === 'running')?.value[1], '1', `${name} is running`);
    }
    const restarts = await waitFor('the crashing pod\'s restarts counted', async () => {
      const samples = await query(`sum by (pod) (podvisor_server_restarts_total{namespace="${NAMESPACE}",reason="exit_code"})`);
      return Number(samples.find((sample) => sample.metric['pod'] === crashyPod)?.value[1] ?? 0) >= 1 ? samples : undefined;
    }, 60_000, 1000);
    for (const name of steadyPods) assert.equal(restarts.find((sample) => sample.metric['pod'] === name)?.value[1], '0', `${name}: no restart`);
  });

  check('the crash-loop alert fires for the crashing server and for no other pod', async () => {
    // The back-off reaches crashLoopBackoffSeconds (8) after four restarts (~20 s), then the rule's `for: 1m`.
    const alerts = await waitFor('PodvisorServerCrashLooping firing for the crashing pod', async () => {
      const current = (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
      return current.some((alert) => alert.labels['alertname'] === 'PodvisorServerCrashLooping' && alert.labels['pod'] === crashyPod && alert.state === 'firing') ? current : undefined;
    }, 240_000, 2000);
    const elsewhere = alerts.filter((alert) => steadyPods.includes(alert.labels['pod'] ?? ''));
    assert.deepEqual(elsewhere, [], 'no alert, pending or firing, for the healthy pods');
  });
});
