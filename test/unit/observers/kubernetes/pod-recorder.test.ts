// The recorder's decisions over time (coalescing, aggregation, rate limits, the one warning) with an in-memory
// stand-in for the API: the faults it injects (404 on an expired Event, a dead or hanging apiserver, on cue) cannot be
// produced on demand by a real apiserver in a unit test. test/kubernetes/ runs the same code against a real one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventSeries } from '../../../../src/observers/kubernetes/event-series.ts';
import type { PodAnnotations } from '../../../../src/observers/kubernetes/pod-annotations.ts';
import type { PodApi } from '../../../../src/observers/kubernetes/pod-api.ts';
import { PodRecorder, type EventResult, type RecorderTuning } from '../../../../src/observers/kubernetes/pod-recorder.ts';
import { createLogger } from '../../../../src/observers/logger.ts';
import type { SupervisionEvent } from '../../../../src/supervisor/events.ts';
import type { SupervisionSnapshot } from '../../../../src/supervisor/supervision.ts';

const TUNING: RecorderTuning = { bucket: { burst: 25, refillMs: 10_000 }, seriesBucket: { burst: 25, refillMs: 10_000 }, seriesPatchIntervalMs: 30, annotationIntervalMs: 30, queueLimit: 100, attempts: 2, retryBaseMs: 5, timeoutMs: 200 };
const TARGET = { name: 'web-0', namespace: 'prod', uid: 'u1', apiServerUrl: 'https://127.0.0.1:1', tokenFile: '/t', caFile: '/c' };
const SNAPSHOT: SupervisionSnapshot = { state: 'running', pid: 5, restarts: 0, lastExit: undefined, serverStartedAt: 0, backoffMs: 0, sessions: undefined, fatalLinePending: false, serverSuspended: false, supervisorStartedAt: 0 };
const SPAWNED: SupervisionEvent = { type: 'server_spawned', pid: 5, command: ['server'] };

class RecordingApi implements Omit<PodApi, 'readPodDeletion'> {
  readonly calls: string[] = [];
  fail: ((call: string) => unknown) | undefined;
  hang = false;
  async createEvent(series: EventSeries): Promise<void> {
    await this.#call(`create ${series.intent.reason} x${series.count}`);
  }
  async patchEventSeries(series: EventSeries): Promise<void> {
    await this.#call(`patch ${series.intent.reason} x${series.count}`);
  }
  async patchPodAnnotations(annotations: PodAnnotations): Promise<void> {
    await this.#call(`annotate ${JSON.stringify(annotations)}`);
  }
  async close(): Promise<void> {}
  async #call(call: string): Promise<void> {
    if (this.hang) return new Promise(() => {});
    const failure = this.fail?.(call);
    if (failure !== undefined) throw failure;
    this.calls.push(call);
  }
}

function setUp(tuning: RecorderTuning = TUNING) {
  const api = new RecordingApi();
  const logs: Array<{ level: number; msg: string }> = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const reports: string[] = [];
  const recorder = new PodRecorder({
    target: TARGET,
    api: Promise.resolve(api),
    logger,
    context: { restartDelayMs: 1000, drainSeconds: 5 },
    report: (reason: string, result: EventResult) => reports.push(`${reason} ${result}`),
    tuning,
  });
  return { api, logs, reports, recorder };
}

/** Polls until `condition` holds (generous bound: timing is about order here, never speed). */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('repeats become one created Event and one series patch with the latest count', async () => {
  const { api, reports, recorder } = setUp();
  for (let index = 0; index < 5; index++) recorder.listener(SPAWNED, SNAPSHOT);
  await until(() => reports.length === 5, 'five outcomes');
  assert.deepEqual(api.calls.filter((call) => !call.startsWith('annotate')), ['create ServerStarted x1', 'patch ServerStarted x5']);
  assert.deepEqual(reports, ['ServerStarted created', ...Array<string>(4).fill('ServerStarted aggregated')]);
  await recorder.close(100);
});

test('an Event that expired on the apiserver (404) is created again with its series', async () => {
  const { api, recorder } = setUp();
  recorder.listener(SPAWNED, SNAPSHOT);
  await until(() => api.calls.some((call) => call.startsWith('create')), 'the create');
  api.fail = (call) => (call.startsWith('patch') ? Object.assign(new Error('not found'), { code: 404 }) : undefined);
  recorder.listener(SPAWNED, SNAPSHOT);
  await until(() => api.calls.filter((call) => call.startsWith('create')).length === 2, 'the second create');
  assert.deepEqual(api.calls.filter((call) => !call.startsWith('annotate')), ['create ServerStarted x1', 'create ServerStarted x2']);
  await recorder.close(100);
});

test('new Events beyond the token bucket are counted as rate_limited; series counts wait for their own bucket', async () => {
  const { api, reports, recorder } = setUp({ ...TUNING, bucket: { burst: 2, refillMs: 60_000 }, seriesBucket: { burst: 0, refillMs: 60_000 } });
  recorder.listener(SPAWNED, SNAPSHOT);
  recorder.listener({ type: 'shutdown_started', signal: 'SIGTERM' }, SNAPSHOT);
  recorder.listener({ type: 'gave_up', restarts: 1, intervalMs: 1, exitStatus: 1 }, SNAPSHOT);
  await until(() => reports.length === 3, 'three outcomes');
  assert.deepEqual(reports, ['GaveUp rate_limited', 'ServerStarted created', 'ShuttingDown created']);
  assert.equal(api.calls.filter((call) => call.startsWith('create')).length, 2);
  // With no tokens for series patches, repeats wait (counted later), never dropped; close() sends them.
  recorder.listener(SPAWNED, SNAPSHOT);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(api.calls.filter((call) => call.startsWith('patch')).length, 0);
  await recorder.close(1000);
  assert.deepEqual(api.calls.filter((call) => call.startsWith('patch')), ['patch ServerStarted x2']);
  assert.equal(reports.at(-1), 'ServerStarted aggregated');
});

test('annotation changes in a burst go out as few merge patches, the last one current', async () => {
  const { api, recorder } = setUp();
  const states = ['starting', 'running', 'fatal_error', 'backoff', 'starting', 'running'] as const;
  states.forEach((state, restarts) => recorder.listener({ type: 'transition', from: 'stopped', to: state }, { ...SNAPSHOT, state, restarts }));
  await until(() => /"podvisor.io\/restarts":"5"/.test(api.calls.at(-1) ?? ''), 'the final annotations');
  const patches = api.calls.filter((call) => call.startsWith('annotate'));
  assert.ok(patches.length <= 2, patches.join('\n'));
  assert.match(patches.at(-1) ?? '', /"podvisor.io\/state":"running","podvisor.io\/restarts":"5"/);
  await recorder.close(100);
});

test('an unreachable apiserver costs one warning for the whole outage and an info line when it is back', async () => {
  const { api, logs, reports, recorder } = setUp();
  api.fail = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  for (let index = 0; index < 4; index++) recorder.listener({ type: 'restart_scheduled', reason: 'signal', delayMs: 10, cause: 'signal SIGKILL' }, { ...SNAPSHOT, restarts: index });
  recorder.listener(SPAWNED, SNAPSHOT);
  await until(() => reports.includes('ServerStarted failed') && reports.includes('ServerRestarting failed'), 'the failed outcomes');
  assert.deepEqual(logs.filter((line) => line.level >= 40).map((line) => line.msg.split(':')[0]), ['Kubernetes API server unreachable']);
  assert.ok(reports.includes('ServerRestarting failed') && reports.includes('ServerStarted failed'), reports.join(', '));
  api.fail = undefined;
  recorder.listener(SPAWNED, SNAPSHOT);
  await until(() => logs.some((line) => line.level === 30 && line.msg.startsWith('Kubernetes')), 'the recovery line');
  assert.ok(logs.some((line) => line.level === 30 && line.msg.startsWith('Kubernetes API server reachable again')));
  await recorder.close(100);
});

test('a 403 is one warning that names the RBAC podvisor needs', async () => {
  const { api, logs, reports, recorder } = setUp();
  api.fail = (call) => (call.startsWith('create') ? Object.assign(new Error('forbidden'), { code: 403 }) : undefined);
  recorder.listener(SPAWNED, SNAPSHOT);
  recorder.listener({ type: 'shutdown_started', signal: 'SIGTERM' }, SNAPSHOT);
  await until(() => reports.length === 2, 'two outcomes');
  const warnings = logs.filter((line) => line.level >= 40);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]?.msg ?? '', /events\.k8s\.io events \(create, patch\) and pods \(get, patch\)/);
  await recorder.close(100);
});

test('the listener never waits for the apiserver, and close() waits at most its bound', async () => {
  const { api, recorder } = setUp();
  api.hang = true;
  const listenedAt = performance.now();
  for (let index = 0; index < 50; index++) recorder.listener(SPAWNED, { ...SNAPSHOT, restarts: index });
  assert.ok(performance.now() - listenedAt < 50, 'the listener only queues');
  const closingAt = Date.now();
  await recorder.close(150);
  assert.ok(Date.now() - closingAt < 1000, `close took ${Date.now() - closingAt} ms`);
});
