// podvisor in a pod, against a real kube-apiserver (test/helpers/kube-apiserver.ts): the chart installed with
// real helm, the Pod its Deployment would create, podvisor run locally as that Pod with the chart's
// ServiceAccount token, and everything it records read back with kubectl.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-apiserver.ts';
import { eventually, freePort, message, NODE, ROOT, startPodvisor, type LogLine, type RunningPodvisor } from '../helpers/podvisor-process.ts';
import { helm, kubectl, runTool, KUBECTL } from '../helpers/tools.ts';

const NAMESPACE = 'podvisor-test';
const RELEASE = 'edge';
const CRASHING_SERVER = join(ROOT, 'test', 'kubernetes', 'fixtures', 'crashing-server.mjs');

interface EventObject {
  readonly metadata: { readonly name: string };
  readonly type: string;
  readonly reason: string;
  readonly action: string;
  readonly note: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly regarding: { readonly kind: string; readonly name: string; readonly uid?: string };
  readonly series?: { readonly count: number; readonly lastObservedTime: string };
}

describe('Kubernetes Events and annotations against a real kube-apiserver', { timeout: 300_000 }, () => {
  let cluster: KubeApiServer;
  let work: string;
  let serviceAccount: string;
  let deployment: string;
  const running: RunningPodvisor[] = [];
  const admin = (args: readonly string[]): Promise<string> => kubectl(['--kubeconfig', cluster.kubeconfig, ...args]);

  before(async () => {
    cluster = await startKubeApiServer();
    process.stdout.write(`# against kube-apiserver ${cluster.version} (${cluster.url}), kubectl and helm from the tool cache\n`);
    work = mkdtempSync(join(tmpdir(), 'podvisor-k8s-'));
    await admin(['create', 'namespace', NAMESPACE]);
    await helm(['install', RELEASE, join(ROOT, 'helm', 'podvisor'), '--kubeconfig', cluster.kubeconfig, '--namespace', NAMESPACE, '--wait=false']);
    const objects = JSON.parse(await admin(['get', 'deployment,serviceaccount', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'json'])) as { items: Array<{ kind: string; metadata: { name: string } }> };
    deployment = objects.items.find((item) => item.kind === 'Deployment')?.metadata.name ?? assert.fail('the chart installed no Deployment');
    serviceAccount = objects.items.find((item) => item.kind === 'ServiceAccount')?.metadata.name ?? assert.fail('the chart installed no ServiceAccount');
  });

  after(async () => {
    for (const podvisor of running) podvisor.kill();
    await cluster?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  /** Creates the Pod the Deployment's ReplicaSet would (no controller-manager runs: it stays Pending). */
  async function createPod(name: string): Promise<string> {
    const template = JSON.parse(await admin(['get', 'deployment', deployment, '-n', NAMESPACE, '-o', 'jsonpath={.spec.template}'])) as { metadata: object; spec: object };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name, namespace: NAMESPACE }, spec: template.spec };
    const created = JSON.parse(await kubectl(['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-', '-o', 'json'], { input: JSON.stringify(pod) })) as { metadata: { uid: string } };
    return created.metadata.uid;
  }

  /**
   * What the kubelet would mount at /var/run/secrets/kubernetes.io/serviceaccount: a token for the chart's
   * ServiceAccount bound to the Pod (its pod-name claim is what the chart's admission policy lets patch that Pod).
   */
  async function serviceAccountDir(name: string, pod: string, uid: string, givenToken?: string): Promise<string> {
    const directory = join(work, name);
    const token = givenToken ?? (await admin(['create', 'token', serviceAccount, '-n', NAMESPACE, '--duration', '1h', '--bound-object-kind', 'Pod', '--bound-object-name', pod, '--bound-object-uid', uid])).trim();
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'token'), token);
    writeFileSync(join(directory, 'namespace'), NAMESPACE);
    copyFileSync(cluster.caFile, join(directory, 'ca.crt'));
    return directory;
  }

  function podEnvironment(pod: string, uid: string, saDir: string, counter: string): Record<string, string> {
    return {
      KUBERNETES_SERVICE_HOST: cluster.host,
      KUBERNETES_SERVICE_PORT: String(cluster.port),
      POD_NAME: pod,
      POD_NAMESPACE: NAMESPACE,
      POD_UID: uid,
      PODVISOR_KUBERNETES: 'auto',
      PODVISOR_KUBERNETES_SERVICE_ACCOUNT_DIR: saDir,
      CRASH_COUNTER: counter,
    };
  }

  async function eventsOf(pod: string): Promise<EventObject[]> {
    const list = JSON.parse(await admin(['get', 'events.v1.events.k8s.io', '-n', NAMESPACE, '-o', 'json'])) as { items: EventObject[] };
    return list.items.filter((event) => event.regarding.name === pod);
  }

  async function annotationsOf(pod: string): Promise<Record<string, string>> {
    return JSON.parse(await admin(['get', 'pod', pod, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.annotations}']) || '{}') as Record<string, string>;
  }

  const countOf = (event: EventObject): number => event.series?.count ?? 1;

  /** waitForLogs, with podvisor's whole stderr in the failure (it shows why podvisor ended early). */
  async function waitForStarts(podvisor: RunningPodvisor, count: number): Promise<void> {
    await podvisor.waitForLogs(message('server started'), count, 30_000).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nstderr:\n${podvisor.stderr()}`);
    });
  }

  /** The four grants podvisor uses are there; every other verb, resource and namespace is denied. */
  async function assertExactGrants(namespace: string, account: string): Promise<void> {
    const as = `system:serviceaccount:${namespace}:${account}`;
    // `pods/status` names a subresource (kubectl would read it as the pod named "status").
    const canI = async (verb: string, resource: string, where = namespace): Promise<string> => {
      const [type, subresource] = resource.split('/') as [string, string | undefined];
      const args = ['--kubeconfig', cluster.kubeconfig, 'auth', 'can-i', verb, type, '-n', where, '--as', as, ...(subresource === undefined ? [] : ['--subresource', subresource])];
      return (await runTool(KUBECTL, args)).stdout.trim();
    };
    const allowed = [['create', 'events.events.k8s.io'], ['patch', 'events.events.k8s.io'], ['get', 'pods'], ['patch', 'pods']] as const;
    for (const [verb, resource] of allowed) assert.equal(await canI(verb, resource), 'yes', `${as}: ${verb} ${resource}`);
    const denied = [
      ['list', 'pods'], ['watch', 'pods'], ['create', 'pods'], ['update', 'pods'], ['delete', 'pods'],
      ['get', 'events.events.k8s.io'], ['list', 'events.events.k8s.io'], ['update', 'events.events.k8s.io'], ['delete', 'events.events.k8s.io'],
      ['create', 'events'], ['patch', 'events'], ['get', 'secrets'], ['list', 'configmaps'], ['patch', 'deployments.apps'], ['create', 'pods/exec'],
      ['patch', 'pods/status'], ['get', 'serviceaccounts/token'], ['create', 'serviceaccounts/token'],
    ] as const;
    for (const [verb, resource] of denied) assert.equal(await canI(verb, resource), 'no', `${as}: ${verb} ${resource} must be denied`);
    const elsewhere = namespace === 'default' ? 'kube-system' : 'default';
    assert.equal(await canI('patch', 'pods', elsewhere), 'no', 'patch pods in another namespace must be denied');
    assert.equal(await canI('create', 'events.events.k8s.io', elsewhere), 'no', 'Events in another namespace must be denied');
  }

  test('the ServiceAccount may create and patch Events and get and patch Pods in its namespace, and nothing else (the admission policy narrows the Pods)', async () => {
    await assertExactGrants(NAMESPACE, serviceAccount);
    // The same, from the token itself: the only resource rules it has beyond discovery are the ones above.
    const token = (await admin(['create', 'token', serviceAccount, '-n', NAMESPACE])).trim();
    const list = await kubectl(['--server', cluster.url, '--certificate-authority', cluster.caFile, '--token', token, 'auth', 'can-i', '--list', '-n', NAMESPACE]);
    const rules = list.split('\n').slice(1).filter((line) => line.trim() !== '' && !line.trim().startsWith('['));
    const discovery = ['selfsubjectreviews.authentication.k8s.io', 'selfsubjectaccessreviews.authorization.k8s.io', 'selfsubjectrulesreviews.authorization.k8s.io'];
    const grants = rules
      .map((line) => `${line.trim().split(/\s+/)[0]} ${/\[([^\]]*)\]\s*$/.exec(line)?.[1] ?? '?'}`)
      .filter((grant) => !discovery.includes(grant.split(' ')[0] as string))
      .sort();
    assert.deepEqual(grants, ['events.events.k8s.io create patch', 'pods get patch'], `the ServiceAccount's rules:\n${list}`);
  });

  test('a crashing server, a fatal line, a grace period too short and SIGTERM show up as aggregated Events and current annotations on the Pod', async () => {
    const pod = `${deployment}-crashloop`;
    const uid = await createPod(pod);
    const saDir = await serviceAccountDir('crashloop', pod, uid);
    const httpPort = await freePort();
    const podvisor = startPodvisor({
      command: [NODE, CRASHING_SERVER],
      env: {
        ...podEnvironment(pod, uid, saDir, join(work, 'crashloop.count')),
        CRASHES: '3',
        PODVISOR_RESTART_DELAY_MS: '100',
        PODVISOR_RESTART_BACKOFF_MAX_MS: '1000',
        PODVISOR_START_LIMIT_BURST: '0',
        PODVISOR_DRAIN_SECONDS: '2',
        // The fatal line restarts the server at once (its confirmation is output.md's subject, not this suite's).
        PODVISOR_FATAL_CONFIRM_SECONDS: '0',
        PODVISOR_HTTP_PORT: String(httpPort),
        PODVISOR_HTTP_HOST: '127.0.0.1',
        // In a pod the shutdown delay is 5 s: 5 + 2 + 1 s do not fit a 3 s grace period.
        PODVISOR_TERMINATION_GRACE_SECONDS: '3',
      },
    });
    running.push(podvisor);
    // Three crashes, one fatal line, then a server that stays up: 4 restarts, 5 starts.
    await waitForStarts(podvisor, 5);
    await eventually(async () => {
      const annotations = await annotationsOf(pod);
      return annotations['podvisor.io/state'] === 'running' && annotations['podvisor.io/restarts'] === '4';
    }, 'the annotations to say running after 4 restarts', 20_000);
    const whileRunning = await annotationsOf(pod);
    assert.equal(whileRunning['podvisor.io/last-exit'], 'signal SIGTERM', 'the fatal run was stopped with SIGTERM');

    await eventually(async () => (await eventsOf(pod)).filter((event) => event.reason === 'ServerStarted').map(countOf)[0] === 5, 'ServerStarted aggregated to 5', 20_000);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    assert.match(metrics, /podvisor_kubernetes_events_total\{reason="ServerStarted",result="created"\} 1/);
    assert.match(metrics, /podvisor_kubernetes_events_total\{reason="ServerStarted",result="aggregated"\} 4/);

    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(20_000), 0);

    const events = await eventsOf(pod);
    const summary = events.map((event) => `${event.type} ${event.reason} ${event.action} x${countOf(event)}: ${event.note}`).join('\n');
    const one = (reason: string, action?: string): EventObject => {
      const matching = events.filter((event) => event.reason === reason && (action === undefined || event.action === action));
      assert.equal(matching.length, 1, `exactly one ${reason} ${action ?? ''} Event (aggregated), got:\n${summary}`);
      return matching[0] as EventObject;
    };
    for (const event of events) {
      assert.equal(event.reportingController, 'podvisor.io/supervisor');
      assert.equal(event.reportingInstance, pod);
      assert.deepEqual([event.regarding.kind, event.regarding.name, event.regarding.uid], ['Pod', pod, uid]);
    }
    const started = one('ServerStarted');
    assert.deepEqual([started.type, countOf(started)], ['Normal', 5], summary);
    const crashes = one('ServerRestarting', 'RestartAfterExit');
    assert.deepEqual([crashes.type, countOf(crashes)], ['Warning', 3], summary);
    assert.match(crashes.note, /exit code 3/);
    const fatalRestart = one('ServerRestarting', 'RestartAfterFatalLog');
    assert.equal(countOf(fatalRestart), 1);
    const fatal = one('FatalError');
    assert.equal(fatal.type, 'Warning');
    assert.match(fatal.note, /database connection lost: giving up/);
    const backOff = one('BackOff');
    assert.deepEqual([backOff.type, countOf(backOff)], ['Warning', 3], summary);
    const budget = one('ShutdownBudgetExceeded');
    assert.deepEqual([budget.type, budget.action, countOf(budget)], ['Warning', 'Check', 1], summary);
    assert.match(budget.note, /^Shutdown delay \+ drain \+ kill grace = 8 s do not fit the pod's terminationGracePeriodSeconds \(3 s\)/);
    const shuttingDown = one('ShuttingDown');
    assert.deepEqual([shuttingDown.type, countOf(shuttingDown)], ['Normal', 1], summary);
    assert.match(shuttingDown.note, /SIGTERM/);
    assert.ok(started.series !== undefined && !Number.isNaN(Date.parse(started.series.lastObservedTime)), 'series.lastObservedTime is a time');

    assert.deepEqual(await annotationsOf(pod), { ...whileRunning, 'podvisor.io/state': 'stopped', 'podvisor.io/restarts': '4', 'podvisor.io/last-exit': 'exit code 0' });
    const described = await admin(['describe', 'pod', pod, '-n', NAMESPACE]);
    assert.match(described, /podvisor\.io\/restarts:\s+4/);
    assert.match(described, /Warning\s+ServerRestarting\s+.*podvisor\.io\/supervisor/);
    process.stdout.write(`# kubectl describe pod ${pod} (Events):\n${described.slice(described.indexOf('Events:')).replace(/^/gm, '#   ')}\n`);
    const tokenOnDisk = readFileSync(join(saDir, 'token'), 'utf8');
    assert.ok(!podvisor.stderr().includes(tokenOnDisk) && !podvisor.stdout().includes(tokenOnDisk), 'the token never appears in the output');
  });

  test("a Pod already being deleted when podvisor starts (its SIGTERM lost in Node's start-up) is shut down all the same", async () => {
    const pod = `${deployment}-deleted`;
    // A Pod bound to a node is deleted gracefully: the apiserver sets deletionTimestamp and waits for the kubelet
    // (there is none here), as it does in the moment before the kubelet's SIGTERM.
    const template = JSON.parse(await admin(['get', 'deployment', deployment, '-n', NAMESPACE, '-o', 'jsonpath={.spec.template}'])) as { metadata: object; spec: object };
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: pod, namespace: NAMESPACE }, spec: { ...template.spec, nodeName: 'no-such-node' } };
    const created = JSON.parse(await kubectl(['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-', '-o', 'json'], { input: JSON.stringify(body) })) as { metadata: { uid: string } };
    const uid = created.metadata.uid;
    const saDir = await serviceAccountDir('deleted', pod, uid);
    await admin(['delete', 'pod', pod, '-n', NAMESPACE, '--wait=false', '--grace-period=60']);
    const stamp = await admin(['get', 'pod', pod, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
    assert.notEqual(stamp.trim(), '', 'the Pod carries its deletionTimestamp');
    const podvisor = startPodvisor({ command: ['sleep', '1000'], env: { ...podEnvironment(pod, uid, saDir, join(work, 'deleted.count')), PODVISOR_SHUTDOWN_DELAY_SECONDS: '0' } });
    running.push(podvisor);
    await podvisor.waitForLog(message("the Pod is being deleted (its deletionTimestamp is set): shutting down as on SIGTERM, which may have come before podvisor could hear it"), 30_000);
    assert.equal(await podvisor.exited(15_000), 0);
    await admin(['delete', 'pod', pod, '-n', NAMESPACE, '--grace-period=0', '--force', '--wait=false']).catch(() => '');
  });

  test('the k8s/ manifests apply to the same apiserver and grant exactly the same', async () => {
    await admin(['apply', '-k', join(ROOT, 'k8s')]);
    await assertExactGrants('default', 'podvisor');
  });

  test('kubectl rollout restart changes the Deployment\'s pod template', async () => {
    const before = JSON.parse(await admin(['get', 'deployment', deployment, '-n', NAMESPACE, '-o', 'json'])) as { metadata: { generation: number }; spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    assert.equal(before.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'], undefined);
    await admin(['rollout', 'restart', `deployment/${deployment}`, '-n', NAMESPACE]);
    const afterRestart = JSON.parse(await admin(['get', 'deployment', deployment, '-n', NAMESPACE, '-o', 'json'])) as typeof before;
    const restartedAt = afterRestart.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
    assert.ok(restartedAt !== undefined && !Number.isNaN(Date.parse(restartedAt)), `restartedAt annotation: ${restartedAt}`);
    assert.equal(afterRestart.metadata.generation, before.metadata.generation + 1);
  });

  const kubernetesWarning = (line: LogLine): boolean => line.level >= 40 && /kubernetes/i.test(line.msg);

  /**
   * A server in a steady crash loop (200 ms run + 300 ms delay) recorded on a Pod of its own; `disturb` then breaks
   * the apiserver. Once `startsDuring` more starts happened and `ready` holds, checks the restart timing did not
   * change, stops podvisor with SIGTERM (exit bounded by the shutdown wait) and returns its Kubernetes warnings.
   */
  async function crashLoopThrough(name: string, options: { readonly token?: string; readonly disturb?: () => Promise<void>; readonly startsDuring: number; readonly ready?: () => boolean }) {
    const pod = `${deployment}-${name}`;
    const uid = await createPod(pod);
    const saDir = await serviceAccountDir(name, pod, uid, options.token);
    const podvisor = startPodvisor({
      command: [NODE, CRASHING_SERVER],
      env: {
        ...podEnvironment(pod, uid, saDir, join(work, `${name}.count`)),
        CRASHES: '-1',
        CRASH_AFTER_MS: '200',
        PODVISOR_RESTART_DELAY_MS: '300',
        PODVISOR_RESTART_BACKOFF_MAX_MS: '300',
        PODVISOR_START_LIMIT_BURST: '0',
        PODVISOR_KUBERNETES_SHUTDOWN_WAIT_MS: '1000',
        // The SIGTERM at the end must stop at once: a crashing server would end the shutdown delay with its own 3.
        PODVISOR_SHUTDOWN_DELAY_SECONDS: '0',
      },
    });
    running.push(podvisor);
    const started = message('server started');
    await waitForStarts(podvisor, 4);
    if (options.disturb !== undefined) {
      await eventually(async () => (await eventsOf(pod)).some((event) => event.reason === 'ServerRestarting'), 'Events recorded before the disturbance', 20_000);
      await options.disturb();
    }
    const disturbedAt = Date.now();
    await waitForStarts(podvisor, podvisor.logs.filter(started).length + options.startsDuring);
    if (options.ready !== undefined) await eventually(options.ready, 'the expected log line', 30_000);

    // Restart timing: from each "server ended" to the next "server started" (the 300 ms delay plus the spawn).
    const gaps: Array<{ endedAt: number; gap: number }> = [];
    let endedAt: number | undefined;
    for (const line of podvisor.logs) {
      if (line.msg.startsWith('server ended')) endedAt = Date.parse(String(line.time));
      else if (started(line) && endedAt !== undefined) {
        gaps.push({ endedAt, gap: Date.parse(String(line.time)) - endedAt });
        endedAt = undefined;
      }
    }
    const before = gaps.filter((entry) => entry.endedAt < disturbedAt).map((entry) => entry.gap);
    const during = gaps.filter((entry) => entry.endedAt > disturbedAt).map((entry) => entry.gap);
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const all = gaps.map((entry) => entry.gap).join(', ');
    assert.ok(before.length >= 2 && during.length >= options.startsDuring - 1, `restart gaps: ${all}`);
    for (const gap of [...before, ...during]) assert.ok(gap >= 290 && gap < 1500, `restart gap ${gap} ms (all: ${all})`);
    process.stdout.write(`# ${name}: restart gap (delay 300 ms) median ${median(before)} ms before, ${median(during)} ms during\n`);
    assert.ok(Math.abs(median(during) - median(before)) < 150, `median restart gap before ${median(before)} ms, during ${median(during)} ms (all: ${all})`);

    const signalledAt = Date.now();
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(20_000), 0);
    const exitMs = Date.now() - signalledAt;
    assert.ok(exitMs < 5000, `exit took ${exitMs} ms (shutdown wait 1000 ms)`);
    const warnings = podvisor.logs.filter(kubernetesWarning);
    return { pod, warnings, describe: warnings.map((line) => JSON.stringify(line)).join('\n') };
  }

  test('a ServiceAccount without the grants (403) costs one warning naming the RBAC, and nothing else', async () => {
    await admin(['create', 'serviceaccount', 'no-grants', '-n', NAMESPACE]);
    const token = (await admin(['create', 'token', 'no-grants', '-n', NAMESPACE, '--duration', '1h'])).trim();
    const result = await crashLoopThrough('forbidden', { token, startsDuring: 2, ready: () => running.at(-1)?.logs.some(kubernetesWarning) ?? false });
    assert.equal(result.warnings.length, 1, result.describe);
    assert.match(String(result.warnings[0]?.msg), /needs RBAC for events\.k8s\.io events \(create, patch\) and pods \(get, patch\)/);
    assert.deepEqual(await eventsOf(result.pod), []);
  });

  test('a hung apiserver (SIGSTOP) costs one warning, never a delay, and exit waits at most the shutdown wait', async () => {
    try {
      const result = await crashLoopThrough('hung', {
        disturb: async () => cluster.pauseApiServer(),
        startsDuring: 6,
        // The first attempt's 5 s timeout is what notices a hung apiserver.
        ready: () => running.at(-1)?.logs.some(kubernetesWarning) ?? false,
      });
      assert.equal(result.warnings.length, 1, result.describe);
      assert.match(String(result.warnings[0]?.msg), /unreachable/);
      assert.equal(result.warnings[0]?.error, 'request timed out');
    } finally {
      cluster.resumeApiServer();
    }
  });

  test('an apiserver that goes away costs one warning and never changes restart timing', async () => {
    const result = await crashLoopThrough('outage', { disturb: () => cluster.stopApiServer(), startsDuring: 6 });
    assert.equal(result.warnings.length, 1, `exactly one warning about Kubernetes:\n${result.describe}`);
    assert.match(String(result.warnings[0]?.msg), /unreachable/);
  });
});
