// The alerting rules and the dashboard's queries are valid PromQL over SPEC §7's metric names, checked by the
// real promtool (Debian's prometheus package).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { runTool } from '../helpers/tools.ts';
import { at, find, render } from './chart.ts';

const PROMTOOL = 'promtool';
/** SPEC §7's metrics (and prom-client's default process metrics, which carry the prefix too). */
const SPEC_METRICS = [
  'podvisor_server_state', 'podvisor_server_restarts_total', 'podvisor_server_exits_total', 'podvisor_server_up',
  'podvisor_server_start_time_seconds', 'podvisor_server_sessions', 'podvisor_restart_backoff_seconds',
  'podvisor_shutdown_drain_seconds', 'podvisor_log_lines_total', 'podvisor_zombies_reaped_total',
  'podvisor_kubernetes_events_total', 'podvisor_process_start_time_seconds',
];

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(podvisor_[a-z_]+)/g)].map((match) => (match[1] as string).replace(/_(bucket|count|sum)$/, ''));
}

describe('alerts and dashboard queries', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'podvisor-rules-'));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const objects = await render({ metrics: { prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } } });
  const groups = at(find(objects, 'PrometheusRule'), 'spec', 'groups') as { name: string; rules: { alert: string; expr: string }[] }[];
  const dashboard = JSON.parse(at(find(objects, 'ConfigMap', 'podvisor-dashboard'), 'data', 'podvisor.json') as string) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it('the PrometheusRule passes promtool check rules', async () => {
    const file = join(directory, 'alerts.yaml');
    writeFileSync(file, stringify({ groups }));
    const result = await runTool(PROMTOOL, ['check', 'rules', file]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: 6 rules found/);
  });

  it("the dashboard's queries parse as PromQL (checked as recording rules, Grafana's variables filled in)", async () => {
    const rules = dashboard.panels.flatMap((panel, panelIndex) =>
      panel.targets.map((target, targetIndex) => ({
        record: `dashboard:panel${panelIndex}_${targetIndex}`,
        expr: target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', 'default').replaceAll('$pod', '.*'),
      })),
    );
    const file = join(directory, 'dashboard.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await runTool(PROMTOOL, ['check', 'rules', file]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('uses only the metric names of SPEC §7', () => {
    const expressions = [...groups.flatMap((group) => group.rules.map((rule) => rule.expr)), ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr))];
    for (const expr of expressions) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, expr);
      for (const name of names) assert.ok(SPEC_METRICS.includes(name), `${name} (in ${expr}) is not a SPEC §7 metric`);
    }
  });
});
