// The alerting rules work with every scrape setup docs/monitoring.md offers, proven by the real promtool
// (Debian's prometheus package): `promtool test rules` unit tests — series in, alerts out — for each setup's label
// set, against the chart's PrometheusRule and against the plain rule file monitoring/podvisor.rules.yaml, which
// must be the chart's rules rendered for every podvisor series.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { PLAIN_RULES_VALUES, RULES_FILE, rulesFileText } from '../../scripts/render-prometheus-rules.ts';
import { runTool } from '../helpers/tools.ts';
import { at, find, render } from './chart.ts';
import { metricNamesIn, PODVISOR_METRICS } from './podvisor-metrics.ts';
import { scrapeSetups, type Labels } from './scrape-setups.ts';

const PROMTOOL = 'promtool';
const RELEASE = 'edge';
const NAMESPACE = 'streams';
const POD = 'edge-podvisor-6d5f7c9b8-x2x7k';
const POD_IP = '10.244.0.17';

interface Rule { readonly alert: string; readonly expr: string; readonly for?: string; readonly labels: Labels; readonly annotations: Labels }
interface RuleGroup { readonly name: string; readonly rules: readonly Rule[] }

/** A pod of release edge in namespace streams, as the chart's Deployment makes it. */
const SCRAPE_SETUPS = scrapeSetups({
  namespace: NAMESPACE,
  pod: POD,
  fullname: 'edge-podvisor',
  address: `${POD_IP}:9464`,
  podLabels: { 'app.kubernetes.io/name': 'podvisor', 'app.kubernetes.io/instance': RELEASE, 'pod-template-hash': '6d5f7c9b8' },
});

/** The labels every alert carries: what the rules group by, where the setup has it. */
function alertLabels(labels: Labels): Labels {
  return Object.fromEntries(['job', 'instance', 'namespace', 'pod'].flatMap((name) => (labels[name] === undefined ? [] : [[name, labels[name]]])));
}

/** How the summaries name the place: the pod when the series say, else instance and job. */
function where(labels: Labels): string {
  if (labels.pod !== undefined) return `pod ${labels.namespace === undefined ? '' : `${labels.namespace}/`}${labels.pod}`;
  return `${labels.instance} (job ${labels.job})`;
}

const series = (metric: string, labels: Labels, own: Labels, values: string): { series: string; values: string } => ({
  series: `${metric}{${Object.entries({ ...labels, ...own }).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(',')}}`,
  values,
});

interface Scenario {
  readonly name: string;
  readonly input: (labels: Labels) => { series: string; values: string }[];
  readonly alertname: string;
  readonly evalTime: string;
  /** The summary the alert fires with (the place filled in), or undefined: it must stay silent. */
  readonly summary?: string;
}

/** Series in, alerts out: each scenario's input every minute, the alert checked at evalTime. */
const SCENARIOS: readonly Scenario[] = [
  {
    name: 'a server that keeps exiting',
    input: (l) => [series('podvisor_server_restarts_total', l, { reason: 'exit_code' }, '0+1x20'), series('podvisor_server_restarts_total', l, { reason: 'sigint' }, '0x20')],
    alertname: 'PodvisorServerRestartingOften', evalTime: '16m',
    summary: 'The server at WHERE restarted 15 times in 15 minutes.',
  },
  {
    name: 'exits, kills and readiness timeouts together',
    input: (l) => [
      series('podvisor_server_restarts_total', l, { reason: 'exit_code' }, '0+1x20'),
      series('podvisor_server_restarts_total', l, { reason: 'signal' }, '0+2x20'),
      series('podvisor_server_restarts_total', l, { reason: 'readiness_timeout' }, '0x20'),
    ],
    alertname: 'PodvisorServerRestartingOften', evalTime: '16m',
    summary: 'The server at WHERE restarted 45 times in 15 minutes.',
  },
  {
    name: "an operator's restarts (SIGINT) only: not a crash",
    input: (l) => [series('podvisor_server_restarts_total', l, { reason: 'sigint' }, '0+5x20'), series('podvisor_server_restarts_total', l, { reason: 'exit_code' }, '0x20')],
    alertname: 'PodvisorServerRestartingOften', evalTime: '16m',
  },
  {
    name: 'a confirmed fatal line',
    input: (l) => [series('podvisor_server_restarts_total', l, { reason: 'fatal_log' }, '0 0 0 1 1 1 1'), series('podvisor_server_restarts_total', l, { reason: 'fatal_error' }, '0x6')],
    alertname: 'PodvisorServerFatalErrors', evalTime: '6m',
    summary: 'The server at WHERE hit a confirmed fatal error and was restarted.',
  },
  {
    name: "an operator's restart: no fatal-error alert",
    input: (l) => [series('podvisor_server_restarts_total', l, { reason: 'sigint' }, '0 0 0 1 1 1 1'), series('podvisor_server_restarts_total', l, { reason: 'fatal_log' }, '0x6')],
    alertname: 'PodvisorServerFatalErrors', evalTime: '6m',
  },
  {
    name: 'a SIGKILL podvisor did not send (OOM kill)',
    input: (l) => [series('podvisor_server_exits_total', l, { signal: 'SIGKILL', stopped_by: 'none' }, '0 0 0 1 1 1')],
    alertname: 'PodvisorServerKilled', evalTime: '5m',
    summary: "The server at WHERE was killed by SIGKILL that podvisor did not send: most likely the kernel's OOM killer.",
  },
  {
    name: 'exit code 137 from a shell whose child was OOM-killed',
    input: (l) => [series('podvisor_server_exits_total', l, { code: '137', stopped_by: 'none' }, '0 0 0 2 2 2')],
    alertname: 'PodvisorServerKilled', evalTime: '5m',
    summary: "The server at WHERE was killed by SIGKILL that podvisor did not send: most likely the kernel's OOM killer.",
  },
  {
    name: "podvisor's own SIGKILL at the drain deadline: not an OOM kill",
    input: (l) => [series('podvisor_server_exits_total', l, { signal: 'SIGKILL', stopped_by: 'podvisor' }, '0 0 0 1 1 1')],
    alertname: 'PodvisorServerKilled', evalTime: '5m',
  },
  {
    name: 'a back-off that reached 8 s',
    input: (l) => [series('podvisor_restart_backoff_seconds', l, {}, '0 1 2 4 8 0 0 0')],
    alertname: 'PodvisorServerCrashLooping', evalTime: '6m',
    summary: 'The server at WHERE is crash looping (restart back-off reached 8 s).',
  },
  {
    name: 'podvisor restarted in its container',
    input: (l) => [series('podvisor_process_start_time_seconds', l, {}, '100 100 100 400 400')],
    alertname: 'PodvisorGaveUp', evalTime: '4m',
    summary: 'podvisor at WHERE itself restarted: it gave up after the start limit, or was killed.',
  },
  {
    name: 'not running for 10 minutes',
    input: (l) => [series('podvisor_server_state', l, { state: 'running' }, '1 1 0x20'), series('podvisor_server_state', l, { state: 'backoff' }, '0 0 1x20')],
    alertname: 'PodvisorServerNotReady', evalTime: '13m',
    summary: 'The server at WHERE has not been running (ready) for 10m.',
  },
  {
    name: 'not running for 9 minutes: pending, not firing',
    input: (l) => [series('podvisor_server_state', l, { state: 'running' }, '1 1 0x20')],
    alertname: 'PodvisorServerNotReady', evalTime: '11m',
  },
  {
    name: 'fatal lines the server survived',
    input: (l) => [series('podvisor_fatal_lines_total', l, { outcome: 'not_confirmed' }, '0+1x70'), series('podvisor_fatal_lines_total', l, { outcome: 'confirmed' }, '0x70')],
    alertname: 'PodvisorFatalLinesNotConfirmed', evalTime: '61m',
    summary: 'The server at WHERE logged fatal lines and kept serving (60 in the last hour).',
  },
  {
    name: 'a drain killed at the deadline',
    input: (l) => [series('podvisor_shutdown_drain_seconds_count', l, { outcome: 'killed' }, '0 0 1 1'), series('podvisor_shutdown_drain_seconds_count', l, { outcome: 'drained' }, '0 3 3 3')],
    alertname: 'PodvisorDrainKilled', evalTime: '3m',
    summary: 'The server at WHERE did not drain within drainSeconds and was killed.',
  },
  {
    name: 'Kubernetes Events that failed',
    input: (l) => [series('podvisor_kubernetes_events_total', l, { reason: 'ServerStarted', result: 'failed' }, '0+1x20'), series('podvisor_kubernetes_events_total', l, { reason: 'ServerStarted', result: 'created' }, '0+9x20')],
    alertname: 'PodvisorKubernetesEventsFailing', evalTime: '16m',
    summary: 'podvisor at WHERE could not record 15 Kubernetes Events in 15 minutes.',
  },
  {
    name: 'Kubernetes Events rate-limited by design: no alert',
    input: (l) => [series('podvisor_kubernetes_events_total', l, { reason: 'ServerStarted', result: 'rate_limited' }, '0+1x20')],
    alertname: 'PodvisorKubernetesEventsFailing', evalTime: '16m',
  },
];

/** A promtool unit test file for one rule file, one scrape setup and the scenarios. */
function unitTests(ruleFile: string, labels: Labels, descriptions: ReadonlyMap<string, string>, scenarios: readonly Scenario[]): string {
  return stringify({
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: scenarios.map((scenario) => ({
      name: scenario.name,
      interval: '1m',
      input_series: scenario.input(labels),
      alert_rule_test: [{
        eval_time: scenario.evalTime,
        alertname: scenario.alertname,
        exp_alerts: scenario.summary === undefined ? [] : [{
          exp_labels: { ...alertLabels(labels), severity: SEVERITIES[scenario.alertname] },
          exp_annotations: { summary: scenario.summary.replace('WHERE', where(labels)), description: descriptions.get(scenario.alertname) },
        }],
      }],
    })),
  }, { lineWidth: 0 });
}

const SEVERITIES: Readonly<Record<string, string>> = {
  PodvisorServerRestartingOften: 'warning', PodvisorServerCrashLooping: 'critical', PodvisorServerFatalErrors: 'warning',
  PodvisorServerKilled: 'warning', PodvisorGaveUp: 'critical', PodvisorServerNotReady: 'warning',
  PodvisorFatalLinesNotConfirmed: 'info', PodvisorDrainKilled: 'info', PodvisorKubernetesEventsFailing: 'info',
};

async function promtool(args: readonly string[]): Promise<string> {
  const result = await runTool(PROMTOOL, args);
  assert.equal(result.code, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe('the alerting rules', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'podvisor-rules-'));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const releaseGroups = at(find(await render({ metrics: { prometheusRule: { enabled: true } } }, RELEASE, NAMESPACE), 'PrometheusRule'), 'spec', 'groups') as RuleGroup[];
  const everyGroups = at(find(await render(PLAIN_RULES_VALUES), 'PrometheusRule'), 'spec', 'groups') as RuleGroup[];
  const releaseFile = join(directory, 'release.rules.yaml');
  writeFileSync(releaseFile, stringify({ groups: releaseGroups }));
  const rules = releaseGroups.flatMap((group) => group.rules);
  const descriptions = new Map(rules.map((rule) => [rule.alert, rule.annotations.description as string]));

  it('the PrometheusRule and the plain rule file pass promtool check rules', async () => {
    assert.match(await promtool(['check', 'rules', releaseFile]), new RegExp(`SUCCESS: ${Object.keys(SEVERITIES).length} rules found`));
    assert.match(await promtool(['check', 'rules', RULES_FILE]), new RegExp(`SUCCESS: ${Object.keys(SEVERITIES).length} rules found`));
  });

  it('monitoring/podvisor.rules.yaml is the chart\'s rules for every podvisor series (node scripts/render-prometheus-rules.ts writes it)', () => {
    const text = readFileSync(RULES_FILE, 'utf8');
    assert.deepEqual((parse(text) as { groups: unknown }).groups, everyGroups, 'the plain rule file differs from the chart: run node scripts/render-prometheus-rules.ts');
    assert.equal(text, rulesFileText(everyGroups));
  });

  it('has the alerts docs/monitoring.md describes, each with its severity, and none needs a label only the Operator adds', () => {
    assert.deepEqual(Object.fromEntries(rules.map((rule) => [rule.alert, rule.labels.severity])), SEVERITIES);
    for (const rule of rules) {
      assert.match(rule.expr, /^(sum|max) by \(job, instance, namespace, pod\) /, `${rule.alert} groups by what every setup has`);
      for (const name of metricNamesIn(rule.expr)) assert.ok(PODVISOR_METRICS.includes(name), `${rule.alert} uses ${name}, which podvisor does not export`);
    }
    for (const rule of everyGroups.flatMap((group) => group.rules)) assert.doesNotMatch(rule.expr, /\{[^}]*(namespace|pod)=/, `${rule.alert}: the plain rules select no namespace or pod`);
  });

  for (const [source, ruleFile] of [['the PrometheusRule of release edge in namespace streams', releaseFile], ['monitoring/podvisor.rules.yaml', RULES_FILE]] as const) {
    for (const setup of SCRAPE_SETUPS) {
      it(`${source}: alerts fire (and stay silent) as they should with ${setup.name} (promtool test rules)`, async () => {
        const file = join(directory, `test-${SCRAPE_SETUPS.indexOf(setup)}-${ruleFile === releaseFile ? 'release' : 'plain'}.yaml`);
        writeFileSync(file, unitTests(ruleFile, setup.labels, descriptions, SCENARIOS));
        assert.match(await promtool(['test', 'rules', file]), /SUCCESS/);
      });
    }
  }

  it("the PrometheusRule keeps to its release where the series name the pod; the plain rules watch every podvisor", async () => {
    const crashing = (labels: Labels): Scenario => ({
      name: `a crash loop in ${labels.namespace ?? '(no namespace)'}/${labels.pod ?? '(no pod)'}`,
      input: (l) => [series('podvisor_server_restarts_total', l, { reason: 'exit_code' }, '0+1x20')],
      alertname: 'PodvisorServerRestartingOften', evalTime: '16m',
      summary: 'The server at WHERE restarted 15 times in 15 minutes.',
    });
    const operator = SCRAPE_SETUPS[1]?.labels as Labels;
    const elsewhere: readonly Labels[] = [
      { ...operator, namespace: 'other', pod: 'edge-podvisor-6d5f7c9b8-abcde' },
      { ...operator, pod: 'edge-podvisor-canary-7f6d5c4b3-abcde' },
      { ...operator, pod: 'live-podvisor-6d5f7c9b8-abcde' },
    ];
    for (const labels of elsewhere) {
      const silent = { ...crashing(labels), summary: undefined };
      const file = join(directory, 'scope.yaml');
      writeFileSync(file, unitTests(releaseFile, labels, descriptions, [silent]));
      assert.match(await promtool(['test', 'rules', file]), /SUCCESS/, JSON.stringify(labels));
      writeFileSync(file, unitTests(RULES_FILE, labels, descriptions, [crashing(labels)]));
      assert.match(await promtool(['test', 'rules', file]), /SUCCESS/, JSON.stringify(labels));
    }
  });
});
