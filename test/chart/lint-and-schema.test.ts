// helm lint, and values.schema.json accepting what makes sense and rejecting nonsense with helm's own message.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { helm } from '../helpers/tools.ts';
import { CHART, lint, render, templateRaw } from './chart.ts';

describe('helm lint --strict', () => {
  for (const [name, values] of [
    ['the defaults', {}],
    ['everything optional on', { metrics: { prometheusAnnotations: true, serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } } }],
    ['a PodMonitor', { metrics: { podMonitor: { enabled: true }, prometheusRule: { enabled: true } } }],
    ['Kubernetes off', { podvisor: { kubernetes: 'off' } }],
    ['a preStop sleep instead of the delay', { podvisor: { shutdownDelaySeconds: 0 }, lifecycle: { preStopSleepSeconds: 5 } }],
    ["a user's server without RBAC", { server: { command: ['node', 'server.js'] }, rbac: { create: false }, serviceAccount: { create: false } }],
  ] as const) {
    it(`passes with ${name}`, async () => {
      const result = await lint(values);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe('helm package', () => {
  it('packages the chart as podvisor-<version>.tgz', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'podvisor-package-'));
    try {
      await helm(['package', CHART, '--destination', directory]);
      assert.deepEqual(readdirSync(directory), ['podvisor-0.1.0.tgz']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('values.schema.json', () => {
  const rejected: readonly (readonly [string, object, RegExp])[] = [
    ['a negative drain', { podvisor: { drainSeconds: -3 } }, /podvisor\/drainSeconds/],
    ['a replica count that is not a number', { replicaCount: 'lots' }, /replicaCount': got string, want integer/],
    ['a negative replica count', { replicaCount: -1 }, /replicaCount/],
    ['an unknown restart policy', { podvisor: { restartPolicy: 'sometimes' } }, /podvisor\/restartPolicy/],
    ['an unknown log rule', { podvisor: { restartOnLog: 'loud' } }, /podvisor\/restartOnLog/],
    ['an unknown readiness check', { podvisor: { readiness: 'ping' } }, /podvisor\/readiness/],
    ['a port out of range', { podvisor: { httpPort: 70000 } }, /podvisor\/httpPort/],
    ['a fractional kill grace', { podvisor: { killGraceMs: 1.5 } }, /podvisor\/killGraceMs/],
    ['a negative kill grace', { podvisor: { killGraceMs: -1 } }, /podvisor\/killGraceMs/],
    ['an autoRestart that is not a boolean', { prefs: { autoRestart: 'maybe' } }, /prefs\/autoRestart/],
    ['a misspelt top-level value', { replicas: 2 }, /replicas/],
    ['a misspelt podvisor setting', { podvisor: { drainSecs: 5 } }, /drainSecs/],
    ['a server command that is not a list', { server: { command: 'node server.js' } }, /server\/command/],
    ['an extra env var that is not PODVISOR_*', { podvisor: { extraEnv: [{ name: 'PATH', value: '/' }] } }, /podvisor\/extraEnv/],
    ['an unknown service type', { service: { type: 'Magic' } }, /service\/type/],
    ['a bad alert duration', { metrics: { prometheusRule: { enabled: true, notReadyFor: 'ten minutes' } } }, /notReadyFor/],
    ['an unknown pull policy', { image: { pullPolicy: 'Sometimes' } }, /image\/pullPolicy/],
    ['a ServiceMonitor and a PodMonitor together (every series scraped twice)', { metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } } }, /metrics\/podMonitor\/enabled/],
    ['a negative shutdown delay', { podvisor: { shutdownDelaySeconds: -1 } }, /podvisor\/shutdownDelaySeconds/],
    ['a shutdown delay past 2^31-1 ms', { podvisor: { shutdownDelaySeconds: 3_000_000 } }, /podvisor\/shutdownDelaySeconds/],
    ['a shutdown delay in words', { podvisor: { shutdownDelaySeconds: 'five' } }, /podvisor\/shutdownDelaySeconds/],
    ['a stop signal without SIG', { podvisor: { stopSignal: 'TERM' } }, /podvisor\/stopSignal/],
    ['SIGKILL as the stop signal (no drain at all)', { podvisor: { stopSignal: 'SIGKILL' } }, /podvisor\/stopSignal/],
    ['a negative fatal confirmation time', { podvisor: { fatalConfirmSeconds: -0.5 } }, /podvisor\/fatalConfirmSeconds/],
    ['a restart delay past 2^31-1 ms (a timer overflow)', { podvisor: { restartDelayMs: 3e9 } }, /podvisor\/restartDelayMs/],
    ['a fractional preStop sleep (the sleep action takes whole seconds)', { lifecycle: { preStopSleepSeconds: 1.5 } }, /lifecycle\/preStopSleepSeconds/],
    ['an unknown unhealthy-pod eviction policy', { podDisruptionBudget: { enabled: true, unhealthyPodEvictionPolicy: 'Sometimes' } }, /podDisruptionBudget\/unhealthyPodEvictionPolicy/],
    ['an admission policy switch that is not a boolean', { rbac: { create: true, admissionPolicy: 'yes' } }, /rbac\/admissionPolicy/],
  ];
  for (const [name, values, message] of rejected) {
    it(`rejects ${name}`, async () => {
      const result = await templateRaw(values);
      assert.notEqual(result.code, 0, `helm accepted ${JSON.stringify(values)}`);
      assert.match(result.stderr, /values don't meet the specifications of the schema/);
      assert.match(result.stderr, message);
    });
  }

  it('accepts sensible values, including a decimal drain given as a string (helm --set)', async () => {
    for (const values of [
      { replicaCount: 0 },
      { podvisor: { drainSeconds: 0.5, readiness: 'http:http://127.0.0.1:8080/ready', restartOnLog: 'regex:^FATAL' } },
      { podvisor: { drainSeconds: '2.5' } },
      { podDisruptionBudget: { enabled: true, maxUnavailable: '50%' } },
      { terminationGracePeriodSeconds: 60 },
      { podvisor: { shutdownDelaySeconds: '2.5', fatalConfirmSeconds: '0.5', stopSignal: 'SIGQUIT' } },
      { podvisor: { shutdownDelaySeconds: 0 }, lifecycle: { preStopSleepSeconds: 10 } },
      { metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: false } } },
      { metrics: { serviceMonitor: { enabled: false }, podMonitor: { enabled: true } } },
      { global: { imageRegistry: 'anything' } },
    ]) {
      await assert.doesNotReject(render(values), JSON.stringify(values));
    }
  });
});
