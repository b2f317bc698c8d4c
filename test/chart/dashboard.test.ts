// The Grafana dashboard (helm/podvisor/dashboards/podvisor.json): every panel's query parses (the real promtool
// checks each as a recording rule), names only metrics podvisor exports (podvisor-metrics.ts, checked here against a
// running podvisor's /metrics), and the panels operators look for are there.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { eventually, freePort, startPodvisor } from '../helpers/podvisor-process.ts';
import { runTool } from '../helpers/tools.ts';
import { at, CHART, find, render } from './chart.ts';
import { metricNamesIn, PODVISOR_METRICS } from './podvisor-metrics.ts';

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly targets: readonly { readonly expr: string; readonly legendFormat?: string }[];
}
interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly query?: string | { readonly query: string } }[] };
}

/** Grafana's variables as a query sees them once Grafana fills them in ("All" is the regex .*). */
function withVariablesFilled(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__range', '6h')
    .replaceAll('$job', '.*')
    .replaceAll('$namespace', '.*')
    .replaceAll('$instance', '.*');
}

describe('the Grafana dashboard', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'podvisor-dashboard-'));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const dashboard = JSON.parse(readFileSync(join(CHART, 'dashboards', 'podvisor.json'), 'utf8')) as Dashboard;
  const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
  const panelUsing = (pattern: RegExp): Panel | undefined => dashboard.panels.find((panel) => panel.targets.some((target) => pattern.test(target.expr)));

  it('is what the chart ships in its ConfigMap', async () => {
    const configMap = find(await render({ metrics: { grafanaDashboard: { enabled: true } } }), 'ConfigMap', 'podvisor-dashboard');
    assert.deepEqual(JSON.parse(at(configMap, 'data', 'podvisor.json') as string), dashboard);
  });

  it("every panel's queries parse as PromQL (promtool check rules, one recording rule each)", async () => {
    const rules = queries.map((query, index) => ({ record: `dashboard:query_${index}`, expr: withVariablesFilled(query.expr) }));
    const file = join(directory, 'dashboard.rules.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await runTool('promtool', ['check', 'rules', file]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('names only metrics podvisor exports', () => {
    for (const { panel, expr } of queries) {
      const names = metricNamesIn(expr);
      assert.ok(names.length > 0, `${panel}: ${expr}`);
      for (const name of names) assert.ok(PODVISOR_METRICS.includes(name), `${panel} uses ${name}, which podvisor does not export`);
    }
  });

  it('filters by job, namespace and instance, which a missing label (a static config has no namespace) does not empty', () => {
    assert.deepEqual(dashboard.templating.list.map((variable) => variable.name), ['datasource', 'job', 'namespace', 'instance']);
    for (const { panel, expr } of queries) {
      for (const selector of expr.match(/podvisor_[a-z0-9_]+\{[^}]*\}/g) ?? []) {
        assert.match(selector, /job=~"\$job", namespace=~"\$namespace", instance=~"\$instance"/, `${panel}: ${selector}`);
      }
      assert.doesNotMatch(expr, /\b(namespace|pod|job|instance)="/, `${panel}: an exact match would hide series without that label`);
    }
  });

  for (const [what, pattern] of [
    ['the server state', /podvisor_server_state\{/],
    ['restarts by reason', /by \(reason\) \(increase\(podvisor_server_restarts_total/],
    ['exits by code and signal', /by \(code, signal, stopped_by\) \(increase\(podvisor_server_exits_total/],
    ['OOM kills (SIGKILL or 137 not sent by podvisor)', /signal="SIGKILL", stopped_by!="podvisor".*code="137", stopped_by!="podvisor"/s],
    ['fatal lines, confirmed and not', /by \(outcome\) \(increase\(podvisor_fatal_lines_total/],
    ["podvisor's own memory", /podvisor_process_resident_memory_bytes/],
    ["podvisor's own CPU", /rate\(podvisor_process_cpu_seconds_total/],
    ['log lines by level', /by \(level\) \(rate\(podvisor_log_lines_total/],
    ['Kubernetes Event failures', /podvisor_kubernetes_events_total\{[^}]*result=~"failed\|dropped\|rate_limited"/],
    ['the shutdown delay', /histogram_quantile\(0\.95, sum by \(le, outcome\) \(rate\(podvisor_shutdown_delay_seconds_bucket/],
    ['the drain duration', /histogram_quantile\(0\.95, sum by \(le, outcome\) \(rate\(podvisor_shutdown_drain_seconds_bucket/],
    ['sessions', /podvisor_server_sessions/],
  ] as const) {
    it(`has a panel for ${what}, with a description`, () => {
      const panel = panelUsing(pattern);
      assert.ok(panel !== undefined, `no panel's query matches ${pattern}`);
      assert.ok((panel.description ?? '').length > 20, `${panel.title} explains what it shows`);
    });
  }

  it('the metric names checked against are what a running podvisor exports', async () => {
    const port = await freePort();
    const podvisor = startPodvisor({ command: ['sleep', '30'], env: { PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
    try {
      let text = '';
      await eventually(async () => {
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text(), () => '');
        return text.includes('podvisor_server_state');
      }, 'podvisor /metrics', 15_000);
      const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string));
      for (const name of PODVISOR_METRICS) assert.ok(exported.has(name), `${name} is not in podvisor's /metrics`);
    } finally {
      podvisor.kill();
    }
  });
});
