// The service account podvisor runs as can change only its own Pod, and only podvisor.io/* annotations: the chart's
// (and k8s/'s) Role and ValidatingAdmissionPolicy, enforced by a real kube-apiserver (test/helpers/kube-apiserver.ts).
// Every request below is made with the service account's token minted as the kubelet mints a pod's projected token
// (TokenRequest bound to the Pod, so the token carries the pod-name claim the policy is keyed on), by kubectl.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-apiserver.ts';
import { delay, ROOT } from '../helpers/podvisor-process.ts';
import { helm, kubectl, KUBECTL, KUBERNETES_BINARIES, requireTool, runTool, type ToolResult } from '../helpers/tools.ts';

const NAMESPACE = 'podvisor-admission';
const RELEASE = 'edge';
const FULLNAME = 'edge-podvisor';
const POLICY = `${FULLNAME}-own-pod.${NAMESPACE}`;
const OWN_POD = `${FULLNAME}-own`;
const OTHER_POD = `${FULLNAME}-other`;

const annotationPatch = (annotations: Record<string, string | null>): string => JSON.stringify({ metadata: { annotations } });

describe('the service account changes only its own Pod, and only podvisor.io/* annotations (real kube-apiserver)', { timeout: 300_000 }, () => {
  let cluster: KubeApiServer;
  /** A token bound to OWN_POD, as the kubelet would mount it in that Pod. */
  let ownToken: string;
  const admin = (args: readonly string[], input?: string): Promise<string> =>
    kubectl(['--kubeconfig', cluster.kubeconfig, ...args], input === undefined ? {} : { input });

  /** kubectl as the holder of `token`: resolves with the exit code and output, also on a refusal. */
  const as = (token: string, args: readonly string[], input?: string): Promise<ToolResult> =>
    runTool(requireTool(KUBECTL), ['--server', cluster.url, '--certificate-authority', cluster.caFile, '--token', token, ...args], input === undefined ? {} : { input });

  /** One API request as the holder of `token`, as podvisor makes it (kubectl's patch would GET the object first). */
  function apiRequest(token: string, method: string, path: string, body: string, contentType: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(`${cluster.url}${path}`, { method, ca: readFileSync(cluster.caFile), headers: { authorization: `Bearer ${token}`, 'content-type': contentType } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** Creates the Pod the Deployment's ReplicaSet would (no controller-manager runs: it stays Pending); returns its uid. */
  async function createPod(namespace: string, deployment: string, name: string): Promise<string> {
    const template = JSON.parse(await admin(['get', 'deployment', deployment, '-n', namespace, '-o', 'jsonpath={.spec.template}'])) as { metadata: object; spec: object };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name, namespace }, spec: template.spec };
    const created = JSON.parse(await admin(['create', '-f', '-', '-o', 'json'], JSON.stringify(pod))) as { metadata: { uid: string } };
    return created.metadata.uid;
  }

  /** TokenRequest with boundObjectRef to the Pod: what the kubelet's projected service-account volume holds. */
  async function boundToken(namespace: string, serviceAccount: string, pod: string, uid: string): Promise<string> {
    return (await admin(['create', 'token', serviceAccount, '-n', namespace, '--duration', '1h', '--bound-object-kind', 'Pod', '--bound-object-name', pod, '--bound-object-uid', uid])).trim();
  }

  const patchPod = (token: string, pod: string, patch: string, namespace = NAMESPACE, type = 'merge'): Promise<ToolResult> =>
    as(token, ['patch', 'pod', pod, '-n', namespace, '--type', type, '-p', patch]);

  const annotationsOf = async (pod: string, namespace = NAMESPACE): Promise<Record<string, string>> =>
    JSON.parse((await admin(['get', 'pod', pod, '-n', namespace, '-o', 'jsonpath={.metadata.annotations}'])) || '{}') as Record<string, string>;

  function assertAllowed(result: ToolResult, what: string): void {
    assert.equal(result.code, 0, `${what} must be allowed:\n${result.stderr}${result.stdout}`);
  }

  /** Refused by the admission policy (not merely by RBAC), with its message. */
  function assertDeniedByPolicy(result: ToolResult, policy: string, message: RegExp, what: string): void {
    assert.notEqual(result.code, 0, `${what} must be denied, but: ${result.stdout}`);
    assert.match(result.stderr, new RegExp(`ValidatingAdmissionPolicy '${policy.replaceAll('.', '\\.')}' with binding '${policy.replaceAll('.', '\\.')}' denied request`), `${what}: ${result.stderr}`);
    assert.match(result.stderr, message, `${what}: ${result.stderr}`);
  }

  function assertForbiddenByRbac(result: ToolResult, what: string): void {
    assert.notEqual(result.code, 0, `${what} must be denied, but: ${result.stdout}`);
    assert.match(result.stderr, /is forbidden: User "system:serviceaccount:[^"]+" cannot /, `${what}: ${result.stderr}`);
  }

  /** Policies reach the apiserver's admission through an informer: wait until this one refuses. */
  async function waitForPolicy(token: string, otherPod: string, namespace: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const result = await patchPod(token, otherPod, annotationPatch({ 'podvisor.io/state': 'probe' }), namespace);
      if (result.code !== 0 && result.stderr.includes('ValidatingAdmissionPolicy')) return;
      if (result.code === 0) await admin(['annotate', 'pod', otherPod, '-n', namespace, 'podvisor.io/state-']);
      if (Date.now() > deadline) throw new Error(`the admission policy did not take effect within 30 s: ${result.stderr}${result.stdout}`);
      await delay(250);
    }
  }

  before(async () => {
    cluster = await startKubeApiServer();
    process.stdout.write(`# against kube-apiserver ${cluster.version} (${cluster.url})\n`);
    await admin(['create', 'namespace', NAMESPACE]);
    await helm(['install', RELEASE, join(ROOT, 'helm', 'podvisor'), '--kubeconfig', cluster.kubeconfig, '--namespace', NAMESPACE, '--wait=false']);
    const ownUid = await createPod(NAMESPACE, FULLNAME, OWN_POD);
    await createPod(NAMESPACE, FULLNAME, OTHER_POD);
    ownToken = await boundToken(NAMESPACE, FULLNAME, OWN_POD, ownUid);
    await waitForPolicy(ownToken, OTHER_POD, NAMESPACE);
  });

  after(async () => {
    await cluster?.close();
  });

  test("the apiserver's type check finds nothing to warn about in the policy's CEL", async () => {
    // The check runs in kube-controller-manager (validatingadmissionpolicy-status-controller), which
    // scripts/build-kubernetes.sh builds beside the kube-apiserver.
    const controllerManager = join(KUBERNETES_BINARIES, 'kube-controller-manager');
    assert.ok(existsSync(controllerManager), `${controllerManager} is missing: bash scripts/build-kubernetes.sh kube builds it`);
    const child = spawn(controllerManager, ['--kubeconfig', cluster.kubeconfig, '--controllers', 'validatingadmissionpolicy-status-controller', '--leader-elect=false', '--secure-port=0'], { stdio: 'ignore' });
    try {
      interface PolicyStatus { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] } }
      let status: PolicyStatus = {};
      const deadline = Date.now() + 60_000;
      while (status.observedGeneration === undefined && Date.now() < deadline) {
        status = JSON.parse((await admin(['get', 'validatingadmissionpolicy', POLICY, '-o', 'jsonpath={.status}'])) || '{}') as PolicyStatus;
        if (status.observedGeneration === undefined) await delay(500);
      }
      assert.equal(status.observedGeneration, 1, `the policy was type-checked: ${JSON.stringify(status)}`);
      assert.deepEqual(status.typeChecking?.expressionWarnings ?? [], []);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  test("the token the kubelet mounts names its Pod (the pod-name claim the policy is keyed on)", async () => {
    const result = await as(ownToken, ['auth', 'whoami', '-o', 'json']);
    assertAllowed(result, 'a SelfSubjectReview');
    const review = JSON.parse(result.stdout) as { status: { userInfo: { username: string; extra?: Record<string, string[]> } } };
    assert.equal(review.status.userInfo.username, `system:serviceaccount:${NAMESPACE}:${FULLNAME}`);
    assert.deepEqual(review.status.userInfo.extra?.['authentication.kubernetes.io/pod-name'], [OWN_POD]);
  });

  test("its own Pod: setting and removing podvisor.io/* annotations is allowed, and stored", async () => {
    assertAllowed(await patchPod(ownToken, OWN_POD, annotationPatch({ 'podvisor.io/state': 'running', 'podvisor.io/restarts': '2' })), 'podvisor.io/* annotations on its own Pod');
    assert.deepEqual(await annotationsOf(OWN_POD), { 'podvisor.io/state': 'running', 'podvisor.io/restarts': '2' });
    assertAllowed(await patchPod(ownToken, OWN_POD, annotationPatch({ 'podvisor.io/restarts': null })), 'removing a podvisor.io/* annotation');
    assert.deepEqual(await annotationsOf(OWN_POD), { 'podvisor.io/state': 'running' });
  });

  test('its own Pod: reading it is allowed (podvisor checks its deletionTimestamp at start); listing and watching Pods is not', async () => {
    const result = await as(ownToken, ['get', 'pod', OWN_POD, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.name}']);
    assertAllowed(result, 'get of its own Pod');
    assert.equal(result.stdout, OWN_POD);
    assertForbiddenByRbac(await as(ownToken, ['get', 'pods', '-n', NAMESPACE]), 'list pods');
    assertForbiddenByRbac(await as(ownToken, ['get', 'pods', '-n', NAMESPACE, '--watch', '--request-timeout', '5s']), 'watch pods');
  });

  test('another Pod: an annotation patch is denied, naming both Pods', async () => {
    const result = await patchPod(ownToken, OTHER_POD, annotationPatch({ 'podvisor.io/state': 'running' }));
    assertDeniedByPolicy(result, POLICY, new RegExp(`may change only the Pod its token was issued for \\(${OWN_POD}\\), not ${OTHER_POD}`), 'an annotation on another Pod');
    assert.deepEqual(await annotationsOf(OTHER_POD), {});
  });

  test("another Pod's image (what would run an attacker's image with that Pod's identity): denied", async () => {
    const result = await patchPod(ownToken, OTHER_POD, JSON.stringify([{ op: 'replace', path: '/spec/containers/0/image', value: 'attacker.example/evil:latest' }]), NAMESPACE, 'json');
    assertDeniedByPolicy(result, POLICY, /may change only the Pod its token was issued for/, "another Pod's image");
  });

  test("another Pod's labels (relabelling moves it between Services): denied", async () => {
    const result = await patchPod(ownToken, OTHER_POD, JSON.stringify({ metadata: { labels: { 'app.kubernetes.io/instance': 'someone-else' } } }));
    assertDeniedByPolicy(result, POLICY, /may change only the Pod its token was issued for/, "another Pod's labels");
  });

  for (const [what, patch, type, message] of [
    ['its image', JSON.stringify([{ op: 'replace', path: '/spec/containers/0/image', value: 'attacker.example/evil:latest' }]), 'json', /may not change a Pod's spec, status, finalizers or owners/],
    ['its labels (which would move it between Services)', JSON.stringify({ metadata: { labels: { 'app.kubernetes.io/instance': 'someone-else' } } }), 'merge', /may not change a Pod's labels/],
    ['a new label', JSON.stringify({ metadata: { labels: { extra: 'x' } } }), 'merge', /may not change a Pod's labels/],
    ['an annotation outside podvisor.io/', annotationPatch({ 'prometheus.io/scrape': 'false' }), 'merge', /may change only podvisor\.io\/\* annotations, not prometheus\.io\/scrape/],
    ['a podvisor.io/ annotation together with another one', annotationPatch({ 'podvisor.io/state': 'x', 'example.com/owner': 'me' }), 'merge', /not example\.com\/owner/],
    ['an annotation that merely starts like podvisor.io', annotationPatch({ 'podvisor.io.evil.example/x': '1' }), 'merge', /not podvisor\.io\.evil\.example\/x/],
    ['its finalizers', JSON.stringify({ metadata: { finalizers: ['example.com/keep'] } }), 'merge', /may not change a Pod's spec, status, finalizers or owners/],
    ['its active deadline (a spec field a Pod may change)', JSON.stringify({ spec: { activeDeadlineSeconds: 1 } }), 'merge', /may not change a Pod's spec/],
  ] as const) {
    test(`its own Pod: changing ${what} is denied`, async () => {
      const before = JSON.parse(await admin(['get', 'pod', OWN_POD, '-n', NAMESPACE, '-o', 'json'])) as { metadata: { resourceVersion: string } };
      assertDeniedByPolicy(await patchPod(ownToken, OWN_POD, patch, NAMESPACE, type), POLICY, message, what);
      const afterwards = JSON.parse(await admin(['get', 'pod', OWN_POD, '-n', NAMESPACE, '-o', 'json'])) as typeof before;
      assert.equal(afterwards.metadata.resourceVersion, before.metadata.resourceVersion, 'the Pod is unchanged');
    });
  }

  test('a token minted without a Pod (kubectl create token) may change no Pod', async () => {
    const unbound = (await admin(['create', 'token', FULLNAME, '-n', NAMESPACE, '--duration', '1h'])).trim();
    assertDeniedByPolicy(await patchPod(unbound, OWN_POD, annotationPatch({ 'podvisor.io/state': 'x' })), POLICY, /this token names no Pod/, 'an unbound token');
  });

  test('a token bound to the other Pod changes that Pod, not this one', async () => {
    const otherUid = (await admin(['get', 'pod', OTHER_POD, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.uid}'])).trim();
    const otherToken = await boundToken(NAMESPACE, FULLNAME, OTHER_POD, otherUid);
    assertAllowed(await patchPod(otherToken, OTHER_POD, annotationPatch({ 'podvisor.io/state': 'running' })), "the other Pod's own token");
    assertDeniedByPolicy(await patchPod(otherToken, OWN_POD, annotationPatch({ 'podvisor.io/state': 'x' })), POLICY, new RegExp(`\\(${OTHER_POD}\\), not ${OWN_POD}`), 'the other way round');
    await admin(['annotate', 'pod', OTHER_POD, '-n', NAMESPACE, 'podvisor.io/state-']);
  });

  test('Events: creating and patching (aggregating) events.k8s.io Events about its Pod is allowed', async () => {
    const event = {
      apiVersion: 'events.k8s.io/v1', kind: 'Event',
      metadata: { name: `${OWN_POD}.admission-test`, namespace: NAMESPACE },
      eventTime: new Date().toISOString().replace('Z', '000Z'),
      reportingController: 'podvisor.io/supervisor', reportingInstance: OWN_POD,
      action: 'Start', reason: 'ServerStarted', type: 'Normal', note: 'server started',
      regarding: { apiVersion: 'v1', kind: 'Pod', name: OWN_POD, namespace: NAMESPACE },
    };
    assertAllowed(await as(ownToken, ['create', '-f', '-'], JSON.stringify(event)), 'creating an Event');
    const series = { series: { count: 2, lastObservedTime: new Date().toISOString().replace('Z', '000Z') } };
    const patched = await apiRequest(ownToken, 'PATCH', `/apis/events.k8s.io/v1/namespaces/${NAMESPACE}/events/${event.metadata.name}`, JSON.stringify(series), 'application/merge-patch+json');
    assert.equal(patched.status, 200, `patching an Event series must be allowed: ${patched.body}`);
    assert.equal((JSON.parse(patched.body) as { series?: { count: number } }).series?.count, 2);
    assertForbiddenByRbac(await as(ownToken, ['get', 'events.v1.events.k8s.io', '-n', NAMESPACE]), 'listing Events');
    assertForbiddenByRbac(await as(ownToken, ['delete', 'events.v1.events.k8s.io', event.metadata.name, '-n', NAMESPACE]), 'deleting an Event');
  });

  test("with more RBAC granted by someone else (update, status, ephemeral containers), the policy still holds", async () => {
    await admin(['create', 'role', 'generous', '-n', NAMESPACE, '--verb', 'get,update,patch', '--resource', 'pods,pods/status,pods/ephemeralcontainers']);
    await admin(['create', 'rolebinding', 'generous', '-n', NAMESPACE, '--role', 'generous', '--serviceaccount', `${NAMESPACE}:${FULLNAME}`]);
    try {
      // RBAC decisions are not cached; the binding counts from the next request.
      const pod = JSON.parse(await admin(['get', 'pod', OWN_POD, '-n', NAMESPACE, '-o', 'json'])) as { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } };
      const onlyAnnotation = structuredClone(pod);
      onlyAnnotation.metadata.annotations = { ...onlyAnnotation.metadata.annotations, 'podvisor.io/state': 'replaced' };
      assertAllowed(await as(ownToken, ['replace', '-f', '-'], JSON.stringify(onlyAnnotation)), 'an update (PUT) that changes only podvisor.io/*');
      const fresh = JSON.parse(await admin(['get', 'pod', OWN_POD, '-n', NAMESPACE, '-o', 'json'])) as typeof pod;
      const image = structuredClone(fresh);
      (image.spec.containers[0] as { image: string }).image = 'attacker.example/evil:latest';
      assertDeniedByPolicy(await as(ownToken, ['replace', '-f', '-'], JSON.stringify(image)), POLICY, /may not change a Pod's spec/, 'an update (PUT) of the image');
      const status = await as(ownToken, ['patch', 'pod', OWN_POD, '-n', NAMESPACE, '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { phase: 'Running' } })]);
      assertDeniedByPolicy(status, POLICY, /may not change a Pod's spec, status/, 'a status patch');
      const debug = await as(ownToken, ['debug', OWN_POD, '-n', NAMESPACE, '--image', 'attacker.example/shell:latest', '--target', 'podvisor', '--container', 'debugger']);
      assertDeniedByPolicy(debug, POLICY, /may not change a Pod's spec/, 'an ephemeral container');
      assertDeniedByPolicy(await patchPod(ownToken, OTHER_POD, annotationPatch({ 'podvisor.io/state': 'x' })), POLICY, /may change only the Pod its token was issued for/, 'another Pod, with update granted');
    } finally {
      await admin(['delete', 'rolebinding,role', 'generous', '-n', NAMESPACE]);
    }
  });

  test('nobody else is limited: the cluster admin relabels the Pod', async () => {
    await admin(['label', 'pod', OWN_POD, '-n', NAMESPACE, 'checked-by=admin']);
    await admin(['label', 'pod', OWN_POD, '-n', NAMESPACE, 'checked-by-']);
  });

  test('k8s/ applied as is: the same policy guards the default namespace', async () => {
    await admin(['apply', '-k', join(ROOT, 'k8s')]);
    const policy = 'podvisor-own-pod.default';
    assert.match(await admin(['get', 'validatingadmissionpolicy', policy, '-o', 'name']), /podvisor-own-pod\.default/);
    const own = 'podvisor-plain-own';
    const uid = await createPod('default', 'podvisor', own);
    await createPod('default', 'podvisor', 'podvisor-plain-other');
    const token = await boundToken('default', 'podvisor', own, uid);
    await waitForPolicy(token, 'podvisor-plain-other', 'default');
    assertAllowed(await patchPod(token, own, annotationPatch({ 'podvisor.io/state': 'running' }), 'default'), 'its own podvisor.io/* annotation');
    assertDeniedByPolicy(await patchPod(token, 'podvisor-plain-other', annotationPatch({ 'podvisor.io/state': 'x' }), 'default'), policy, /not podvisor-plain-other/, 'another Pod');
    assertDeniedByPolicy(await patchPod(token, own, JSON.stringify({ metadata: { labels: { extra: 'x' } } }), 'default'), policy, /labels/, 'a label');
  });

  test('with podvisor.kubernetes off the release grants nothing: no Role, no binding, no policy, no token', async () => {
    await admin(['create', 'namespace', 'quiet']);
    await helm(['install', 'quiet', join(ROOT, 'helm', 'podvisor'), '--kubeconfig', cluster.kubeconfig, '--namespace', 'quiet', '--wait=false', '--set', 'podvisor.kubernetes=off']);
    const objects = await admin(['get', 'serviceaccount,role,rolebinding', '-n', 'quiet', '-o', 'name']);
    assert.deepEqual(objects.trim().split('\n').filter((name) => !name.endsWith('/default')).sort(), ['serviceaccount/quiet-podvisor']);
    assert.equal(await admin(['get', 'validatingadmissionpolicy', '-o', 'name']).then((names) => names.includes('quiet-podvisor')), false);
    const template = JSON.parse(await admin(['get', 'deployment', 'quiet-podvisor', '-n', 'quiet', '-o', 'jsonpath={.spec.template.spec}'])) as { automountServiceAccountToken: boolean };
    assert.equal(template.automountServiceAccountToken, false);
    const canPatch = await runTool(requireTool(KUBECTL), ['--kubeconfig', cluster.kubeconfig, 'auth', 'can-i', 'patch', 'pods', '-n', 'quiet', '--as', 'system:serviceaccount:quiet:quiet-podvisor']);
    assert.equal(canPatch.stdout.trim(), 'no');
  });
});
