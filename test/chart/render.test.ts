// helm template over a matrix of values, with assertions on the rendered objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadSettings } from '../../src/config/load-settings.ts';
import { SETTINGS } from '../../src/config/settings.ts';
import { at, CLUSTER_SCOPED_KINDS, environment, find, kinds, podvisorContainer, render, templateRaw, type KubeObject } from './chart.ts';

const podSpec = (objects: readonly KubeObject[]): Record<string, unknown> =>
  at(find(objects, 'Deployment'), 'spec', 'template', 'spec') as Record<string, unknown>;

/**
 * Settings fixed for podvisor (docs/configuration.md) that the chart sets already and podvisor's loader does not
 * read yet: they arrive with the shutdown work. Each name here that the loader knows is checked like any other;
 * the list can go once every name in it is in src/config/settings.ts.
 */
const SETTING_ENV_NAMES: ReadonlySet<string> = new Set(Object.values(SETTINGS).map((definition) => definition.env));
/** The settings key of a PODVISOR_* variable, if podvisor's loader knows it. */
const settingKey = (env: string): string | undefined => Object.entries(SETTINGS).find(([, definition]) => definition.env === env)?.[0];
/** What a pod's environment has that podvisor's defaults depend on (the shutdown delay defaults to 5 s in a pod). */
const IN_A_POD = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

/** podvisor's own settings loader, fed the PODVISOR_* variables the chart renders, as in a pod. */
function podvisorSettingsFrom(objects: readonly KubeObject[]) {
  const variables = Object.fromEntries([...environment(podvisorContainer(objects))].filter(([name]) => name.startsWith('PODVISOR_')));
  return loadSettings({ ...IN_A_POD, ...variables }, {});
}

const preStopOf = (objects: readonly KubeObject[]): unknown => at(podvisorContainer(objects), 'lifecycle');

describe('the chart with default values', async () => {
  const objects = await render();
  const deployment = find(objects, 'Deployment');
  const container = podvisorContainer(objects);
  const env = environment(container);

  it('renders exactly the default set of objects', () => {
    assert.deepEqual(kinds(objects), [
      'ConfigMap', 'Deployment', 'Pod', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount',
      'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    ]);
  });

  it('runs the image with podvisor as the entrypoint and the reference server (no command, no args)', () => {
    assert.equal(container.image, 'podvisor:0.1.0');
    assert.equal(container.command, undefined);
    assert.equal(container.args, undefined);
    assert.equal(at(deployment, 'spec', 'replicas'), 1);
  });

  it('rolls updates one new pod at a time, never below the desired count', () => {
    assert.deepEqual(at(deployment, 'spec', 'strategy'), { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the metrics port', () => {
    assert.deepEqual(at(container, 'startupProbe', 'httpGet'), { path: '/healthz', port: 'metrics' });
    assert.deepEqual(at(container, 'livenessProbe', 'httpGet'), { path: '/healthz', port: 'metrics' });
    assert.deepEqual(at(container, 'readinessProbe', 'httpGet'), { path: '/readyz', port: 'metrics' });
    assert.deepEqual(at(container, 'ports'), [
      { name: 'stream', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
  });

  it('gives the kubelet the shutdown delay + drain + kill grace + the margin before SIGKILL, and tells podvisor', () => {
    assert.equal(podSpec(objects).terminationGracePeriodSeconds, 5 + 5 + 1 + 5);
    assert.equal(env.get('PODVISOR_TERMINATION_GRACE_SECONDS'), '16');
  });

  it('stops the server with SIGTERM after a 5 s shutdown delay, and confirms fatal lines within 5 s', () => {
    assert.equal(env.get('PODVISOR_SHUTDOWN_DELAY_SECONDS'), '5');
    assert.equal(env.get('PODVISOR_STOP_SIGNAL'), 'SIGTERM');
    assert.equal(env.get('PODVISOR_FATAL_CONFIRM_SECONDS'), '5');
  });

  it('has no preStop hook (the shutdown delay does its work), and falls back to the log tail for the termination message', () => {
    assert.equal(preStopOf(objects), undefined);
    assert.equal(container.terminationMessagePolicy, 'FallbackToLogsOnError');
    assert.equal(container.terminationMessagePath, undefined, 'the path stays the default /dev/termination-log');
  });

  it('passes POD_NAME, POD_NAMESPACE and POD_UID from the Downward API', () => {
    for (const [name, fieldPath] of [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace'], ['POD_UID', 'metadata.uid']] as const) {
      assert.equal(env.get(name), JSON.stringify({ fieldRef: { fieldPath } }), name);
    }
  });

  it("sets only real PODVISOR_* settings, and podvisor accepts them with its defaults in a pod", () => {
    for (const name of env.keys()) {
      if (name.startsWith('PODVISOR_')) assert.ok(SETTING_ENV_NAMES.has(name), `${name} is not a podvisor setting`);
    }
    const result = podvisorSettingsFrom(objects);
    assert.ok(result.ok, JSON.stringify(result));
    const defaults = loadSettings(IN_A_POD, {});
    assert.ok(defaults.ok);
    // Set on purpose: the prefs file the ConfigMap mounts, the pod's grace period (podvisor has no default), and the
    // stop signal named outright (podvisor's default is "unset": SIGTERM, and SIGQUIT for a SIGQUIT).
    assert.equal(result.settings.stopSignal, 'SIGTERM');
    const setByTheChart = ['prefsFile', 'stopSignal', settingKey('PODVISOR_TERMINATION_GRACE_SECONDS')].filter((key) => key !== undefined);
    const without = (settings: object): object => Object.fromEntries(Object.entries(settings).filter(([key]) => !setByTheChart.includes(key)));
    assert.deepEqual(without(result.settings), without(defaults.settings));
    assert.equal(result.settings.prefsFile, '/etc/podvisor/prefs.yaml');
  });

  it('runs hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp, no privilege escalation', () => {
    assert.deepEqual(at(container, 'securityContext'), {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    const podSecurity = podSpec(objects).securityContext as Record<string, unknown>;
    assert.equal(podSecurity.runAsNonRoot, true);
    assert.equal(podSecurity.runAsUser, 1000);
    assert.deepEqual(podSecurity.seccompProfile, { type: 'RuntimeDefault' });
  });

  it('mounts an emptyDir on /tmp and the prefs ConfigMap as a directory the kubelet refreshes', () => {
    const volumes = podSpec(objects).volumes as Record<string, unknown>[];
    assert.deepEqual(volumes.find((volume) => volume.name === 'tmp'), { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    assert.deepEqual(volumes.find((volume) => volume.name === 'prefs'), { name: 'prefs', configMap: { name: 'podvisor-prefs' } });
    const mounts = container.volumeMounts as Record<string, unknown>[];
    assert.deepEqual(mounts.find((mount) => mount.name === 'tmp'), { name: 'tmp', mountPath: '/tmp' });
    const prefsMount = mounts.find((mount) => mount.name === 'prefs');
    assert.deepEqual(prefsMount, { name: 'prefs', mountPath: '/etc/podvisor', readOnly: true });
    assert.equal(env.get('PODVISOR_PREFS_FILE'), '/etc/podvisor/prefs.yaml');
    const prefs = find(objects, 'ConfigMap', 'podvisor-prefs');
    assert.deepEqual(parseYaml(at(prefs, 'data', 'prefs.yaml') as string), { autoRestart: true });
  });

  it('does not roll the pods when the prefs change (no checksum annotation on the pod template)', () => {
    assert.equal(at(deployment, 'spec', 'template', 'metadata', 'annotations'), undefined);
  });

  it('grants exactly: create/patch events.k8s.io Events, get/patch Pods', () => {
    assert.deepEqual(at(find(objects, 'Role'), 'rules'), [
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'] },
    ]);
    const binding = find(objects, 'RoleBinding');
    assert.deepEqual(at(binding, 'roleRef'), { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'podvisor' });
    assert.deepEqual(at(binding, 'subjects'), [{ kind: 'ServiceAccount', name: 'podvisor', namespace: 'default' }]);
    assert.equal(podSpec(objects).serviceAccountName, 'podvisor');
    assert.equal(podSpec(objects).automountServiceAccountToken, true);
  });

  it('selects the pods with the Service and the PodDisruptionBudget', () => {
    const podLabels = at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    const selectors = [at(find(objects, 'Service'), 'spec', 'selector'), at(find(objects, 'PodDisruptionBudget'), 'spec', 'selector', 'matchLabels'), at(deployment, 'spec', 'selector', 'matchLabels')];
    for (const selector of selectors) {
      assert.deepEqual(selector, { 'app.kubernetes.io/name': 'podvisor', 'app.kubernetes.io/instance': 'podvisor' });
      for (const [key, value] of Object.entries(selector as Record<string, string>)) assert.equal(podLabels[key], value);
    }
    assert.deepEqual(at(find(objects, 'Service'), 'spec', 'ports'), [
      { name: 'stream', port: 8080, targetPort: 'stream', protocol: 'TCP' },
      { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('lets one pod at a time be evicted, at any replica count, and a pod that is not ready always', () => {
    const spec = at(find(objects, 'PodDisruptionBudget'), 'spec') as Record<string, unknown>;
    assert.equal(spec.maxUnavailable, 1);
    assert.equal(spec.minAvailable, undefined);
    assert.equal(spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
  });

  it('narrows the Role with an admission policy: this service account, its own Pod, podvisor.io/* annotations', () => {
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'podvisor-own-pod.default');
    assert.deepEqual(at(policy, 'spec', 'matchConditions'), [
      { name: 'podvisor-service-account', expression: 'request.userInfo.username == "system:serviceaccount:default:podvisor"' },
    ]);
    assert.deepEqual(at(policy, 'spec', 'matchConstraints', 'resourceRules'), [
      { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods', 'pods/*'] },
    ]);
    assert.equal(at(policy, 'spec', 'failurePolicy'), 'Fail');
    const binding = find(objects, 'ValidatingAdmissionPolicyBinding', 'podvisor-own-pod.default');
    assert.equal(at(binding, 'spec', 'policyName'), 'podvisor-own-pod.default');
    assert.deepEqual(at(binding, 'spec', 'validationActions'), ['Deny']);
    assert.deepEqual(at(binding, 'spec', 'matchResources'), { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } });
  });

  it('labels every object as helm create does', () => {
    for (const object of objects) {
      assert.deepEqual(object.metadata.labels, {
        'helm.sh/chart': 'podvisor-0.1.0',
        'app.kubernetes.io/name': 'podvisor',
        'app.kubernetes.io/instance': 'podvisor',
        'app.kubernetes.io/version': '0.1.0',
        'app.kubernetes.io/managed-by': 'Helm',
      }, `${object.kind}/${object.metadata.name}`);
      assert.equal(object.metadata.namespace, CLUSTER_SCOPED_KINDS.has(object.kind) ? undefined : 'default', `${object.kind}/${object.metadata.name}`);
    }
  });

  it('has a helm test hook that waits for /readyz of the Service', () => {
    const test = find(objects, 'Pod');
    assert.equal(test.metadata.annotations?.['helm.sh/hook'], 'test');
    const script = (at(test, 'spec', 'containers', 0, 'args', 0) as string);
    assert.match(script, /http:\/\/podvisor\.default\.svc:9464\/readyz/);
    assert.equal(at(test, 'spec', 'restartPolicy'), 'Never');
  });
});

describe('the chart over a matrix of values', () => {
  it("runs the user's server: server.command becomes podvisor's arguments after --", async () => {
    const objects = await render({ server: { command: ['node', 'server.js', '--port', '9000'], port: 9000 } });
    const container = podvisorContainer(objects);
    assert.deepEqual(container.args, ['--', 'node', 'server.js', '--port', '9000']);
    assert.equal(container.command, undefined, 'the image ENTRYPOINT (podvisor) stays');
    assert.equal(environment(container).get('STREAM_PORT'), '9000');
    assert.equal(environment(container).get('PORT'), '9000', 'PORT, the name most servers read, is server.port too');
    assert.equal(at(container, 'ports', 0, 'containerPort'), 9000);
    const service = find(objects, 'Service');
    assert.deepEqual(at(service, 'spec', 'ports', 0), { name: 'stream', port: 8080, targetPort: 'stream', protocol: 'TCP' }, 'the Service targets the container port by name');
  });

  it('passes server.port as PORT unless server.env sets PORT: then the user\'s value is the only PORT', async () => {
    const byDefault = podvisorContainer(await render());
    assert.deepEqual(byDefault.env.filter((variable) => variable.name === 'PORT'), [{ name: 'PORT', value: '8080' }]);
    const container = podvisorContainer(await render({ server: { port: 3000, env: [{ name: 'PORT', value: '4000' }, { name: 'CHANNELS', value: 'a' }] } }));
    assert.deepEqual(container.env.filter((variable) => variable.name === 'PORT'), [{ name: 'PORT', value: '4000' }]);
    assert.equal(environment(container).get('STREAM_PORT'), '3000');
    assert.equal(at(container, 'ports', 0, 'containerPort'), 3000);
    const fromSecret = podvisorContainer(await render({ server: { env: [{ name: 'PORT', valueFrom: { secretKeyRef: { name: 'ports', key: 'server' } } }] } }));
    assert.deepEqual(fromSecret.env.filter((variable) => variable.name === 'PORT'), [{ name: 'PORT', valueFrom: { secretKeyRef: { name: 'ports', key: 'server' } } }]);
  });

  // [values, terminationGracePeriodSeconds, PODVISOR_TERMINATION_GRACE_SECONDS: what is left after a preStop sleep]
  for (const [values, grace, afterSigterm] of [
    [{ podvisor: { drainSeconds: 30, killGraceMs: 2500 } }, 5 + 30 + 3 + 5, 43],
    [{ podvisor: { shutdownDelaySeconds: 0, drainSeconds: 0, killGraceMs: 0 }, terminationGraceMarginSeconds: 0 }, 0, 0],
    [{ podvisor: { drainSeconds: '2.5', killGraceMs: 1000 } }, Math.ceil(5 + 2.5 + 1) + 5, 14],
    [{ podvisor: { shutdownDelaySeconds: '0.5', drainSeconds: 2.5, killGraceMs: 0 } }, 3 + 5, 8],
    [{ podvisor: { shutdownDelaySeconds: 15, drainSeconds: 120 }, terminationGraceMarginSeconds: 20 }, 15 + 120 + 1 + 20, 156],
    [{ podvisor: { shutdownDelaySeconds: 0 }, lifecycle: { preStopSleepSeconds: 7 } }, 7 + 5 + 1 + 5, 11],
    [{ terminationGracePeriodSeconds: 300 }, 300, 300],
    [{ terminationGracePeriodSeconds: 3, podvisor: { shutdownDelaySeconds: 0 }, lifecycle: { preStopSleepSeconds: 7 } }, 3, 0],
  ] as const) {
    it(`derives terminationGracePeriodSeconds ${grace} (podvisor told ${afterSigterm}) from ${JSON.stringify(values)}`, async () => {
      const objects = await render(values);
      assert.equal(podSpec(objects).terminationGracePeriodSeconds, grace);
      assert.equal(environment(podvisorContainer(objects)).get('PODVISOR_TERMINATION_GRACE_SECONDS'), String(afterSigterm));
    });
  }

  it('renders a native preStop sleep for a user who turned the shutdown delay off', async () => {
    const objects = await render({ podvisor: { shutdownDelaySeconds: 0 }, lifecycle: { preStopSleepSeconds: 10 } });
    assert.deepEqual(preStopOf(objects), { preStop: { sleep: { seconds: 10 } } });
    assert.equal(environment(podvisorContainer(objects)).get('PODVISOR_SHUTDOWN_DELAY_SECONDS'), '0');
  });

  for (const delay of [5, '0.5']) {
    it(`refuses a preStop sleep beside a shutdown delay of ${JSON.stringify(delay)} (they would add up), naming both`, async () => {
      const result = await templateRaw({ podvisor: { shutdownDelaySeconds: delay }, lifecycle: { preStopSleepSeconds: 3 } });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /lifecycle\.preStopSleepSeconds \(3\) and podvisor\.shutdownDelaySeconds \((5|0\.5)\) are both set/);
      assert.match(result.stderr, /set lifecycle\.preStopSleepSeconds to 0, or set podvisor\.shutdownDelaySeconds to 0/);
    });
  }

  it('passes the stop signal and the fatal confirmation time', async () => {
    const objects = await render({ podvisor: { stopSignal: 'SIGQUIT', fatalConfirmSeconds: 2.5, shutdownDelaySeconds: 20 } });
    const env = environment(podvisorContainer(objects));
    assert.equal(env.get('PODVISOR_STOP_SIGNAL'), 'SIGQUIT');
    assert.equal(env.get('PODVISOR_FATAL_CONFIRM_SECONDS'), '2.5');
    assert.equal(env.get('PODVISOR_SHUTDOWN_DELAY_SECONDS'), '20');
  });

  it('with podvisor.kubernetes off: no token mounted, no Role, RoleBinding or admission policy', async () => {
    const objects = await render({ podvisor: { kubernetes: 'off' } });
    assert.deepEqual(kinds(objects), ['ConfigMap', 'Deployment', 'Pod', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    assert.equal(podSpec(objects).automountServiceAccountToken, false);
    assert.equal(at(find(objects, 'ServiceAccount'), 'automountServiceAccountToken'), false);
    assert.equal(podSpec(objects).serviceAccountName, 'podvisor', 'a dedicated account with no grants, not the namespace default');
    assert.equal(environment(podvisorContainer(objects)).get('PODVISOR_KUBERNETES'), 'off');
  });

  for (const kubernetes of ['on', 'auto'] as const) {
    it(`with podvisor.kubernetes ${kubernetes}: the token, the Role, its binding and the admission policy`, async () => {
      const objects = await render({ podvisor: { kubernetes } });
      for (const kind of ['Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) assert.ok(kinds(objects).includes(kind), kind);
      assert.equal(podSpec(objects).automountServiceAccountToken, true);
    });
  }

  it('leaves out the admission policy when asked (rbac.admissionPolicy false), keeping the Role', async () => {
    const objects = await render({ rbac: { create: true, admissionPolicy: false } });
    assert.ok(kinds(objects).includes('Role'));
    assert.ok(!kinds(objects).some((kind) => kind.startsWith('ValidatingAdmissionPolicy')));
  });

  it('names the admission policy per release and namespace, and guards that release\'s service account there', async () => {
    const objects = await render({}, 'live', 'streams');
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'live-podvisor-own-pod.streams');
    assert.equal(at(policy, 'spec', 'matchConditions', 0, 'expression'), 'request.userInfo.username == "system:serviceaccount:streams:live-podvisor"');
    const binding = find(objects, 'ValidatingAdmissionPolicyBinding', 'live-podvisor-own-pod.streams');
    assert.equal(at(binding, 'spec', 'policyName'), 'live-podvisor-own-pod.streams');
    assert.deepEqual(at(binding, 'spec', 'matchResources', 'namespaceSelector'), { matchLabels: { 'kubernetes.io/metadata.name': 'streams' } });
    const named = await render({ serviceAccount: { create: true, name: 'streamer' } }, 'live', 'streams');
    assert.equal(at(find(named, 'ValidatingAdmissionPolicy'), 'spec', 'matchConditions', 0, 'expression'), 'request.userInfo.username == "system:serviceaccount:streams:streamer"');
  });

  it('renders every podvisor setting as podvisor reads it (large integers without an exponent, fractions kept)', async () => {
    const podvisor = {
      logLevel: 'debug', restartPolicy: 'on-failure', restartDelayMs: 250, restartBackoffMaxMs: 3600000, stableAfterMs: 120000,
      startLimitBurst: 0, startLimitIntervalMs: 86400000, drainSeconds: 2.5, killGraceMs: 1500, restartOnLog: 'regex:^PANIC',
      readiness: 'tcp:8080', readinessTimeoutMs: 0, httpPort: 9100, kubernetes: 'on',
    };
    const objects = await render({ podvisor });
    const env = environment(podvisorContainer(objects));
    assert.equal(env.get('PODVISOR_RESTART_BACKOFF_MAX_MS'), '3600000');
    assert.equal(env.get('PODVISOR_START_LIMIT_INTERVAL_MS'), '86400000');
    assert.equal(env.get('PODVISOR_DRAIN_SECONDS'), '2.5');
    const result = podvisorSettingsFrom(objects);
    assert.ok(result.ok, JSON.stringify(result));
    const { settings } = result;
    assert.equal(settings.logLevel, 'debug');
    assert.equal(settings.restartPolicy, 'on-failure');
    assert.equal(settings.restartBackoffMaxMs, 3600000);
    assert.equal(settings.startLimitBurst, 0);
    assert.equal(settings.drainSeconds, 2.5);
    assert.equal(settings.killGraceMs, 1500);
    assert.equal(settings.httpPort, 9100);
    assert.equal(settings.kubernetes, 'on');
    assert.equal(settings.readinessTimeoutMs, 0);
    assert.deepEqual(at(podvisorContainer(objects), 'readinessProbe', 'httpGet'), { path: '/readyz', port: 'metrics' });
    assert.equal(at(podvisorContainer(objects), 'ports', 1, 'containerPort'), 9100);
  });

  it('passes extra PODVISOR_* variables and the server environment through', async () => {
    const objects = await render({
      podvisor: { extraEnv: [{ name: 'PODVISOR_STATUS_INTERVAL_SECONDS', value: '60' }] },
      server: { env: [{ name: 'CHANNELS', value: 'a,b' }], envFrom: [{ secretRef: { name: 'server-secrets' } }] },
    });
    const container = podvisorContainer(objects);
    const env = environment(container);
    assert.equal(env.get('PODVISOR_STATUS_INTERVAL_SECONDS'), '60');
    assert.equal(env.get('CHANNELS'), 'a,b');
    assert.deepEqual(container.envFrom, [{ secretRef: { name: 'server-secrets' } }]);
    assert.ok(podvisorSettingsFrom(objects).ok);
  });

  it('sets replicas, image and pull policy', async () => {
    const objects = await render({ replicaCount: 3, image: { repository: 'registry.example/streams/podvisor', tag: '1.2.3', pullPolicy: 'Always' } });
    assert.equal(at(find(objects, 'Deployment'), 'spec', 'replicas'), 3);
    const container = podvisorContainer(objects);
    assert.equal(container.image, 'registry.example/streams/podvisor:1.2.3');
    assert.equal(container.imagePullPolicy, 'Always');
    assert.equal(at(find(objects, 'Pod'), 'spec', 'containers', 0, 'image'), 'registry.example/streams/podvisor:1.2.3');
  });

  it('writes prefs.autoRestart into the prefs file', async () => {
    const objects = await render({ prefs: { autoRestart: false } });
    assert.deepEqual(parseYaml(at(find(objects, 'ConfigMap', 'podvisor-prefs'), 'data', 'prefs.yaml') as string), { autoRestart: false });
  });

  it('leaves out the ServiceAccount, RBAC and the admission policy when asked, and uses the given account', async () => {
    const objects = await render({ serviceAccount: { create: false, name: 'streams' }, rbac: { create: false } });
    assert.deepEqual(kinds(objects), ['ConfigMap', 'Deployment', 'Pod', 'PodDisruptionBudget', 'Service']);
    assert.equal(podSpec(objects).serviceAccountName, 'streams');
    const withoutName = await render({ serviceAccount: { create: false } });
    assert.equal(podSpec(withoutName).serviceAccountName, 'default');
  });

  it('names everything after the release, or fullnameOverride', async () => {
    const objects = await render({}, 'live');
    assert.ok(objects.every((object) => object.metadata.name.startsWith('live-podvisor')), objects.map((object) => object.metadata.name).join(','));
    assert.equal(at(find(objects, 'RoleBinding'), 'subjects', 0, 'name'), 'live-podvisor');
    const overridden = await render({ fullnameOverride: 'edge' });
    assert.deepEqual(new Set(overridden.map((object) => object.metadata.name)), new Set(['edge', 'edge-prefs', 'edge-test-readyz', 'edge-own-pod.default']));
  });

  it('keeps the PodDisruptionBudget at one eviction at a time for 1 or 3 replicas', async () => {
    for (const replicaCount of [1, 3]) {
      const spec = at(find(await render({ replicaCount }), 'PodDisruptionBudget'), 'spec') as Record<string, unknown>;
      assert.equal(spec.maxUnavailable, 1, `replicas ${replicaCount}`);
      assert.equal(spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
    }
  });

  it('switches the PodDisruptionBudget to minAvailable, to IfHealthyBudget, or off', async () => {
    const minimum = await render({ podDisruptionBudget: { enabled: true, minAvailable: 2, unhealthyPodEvictionPolicy: 'IfHealthyBudget' } });
    const spec = at(find(minimum, 'PodDisruptionBudget'), 'spec') as Record<string, unknown>;
    assert.equal(spec.minAvailable, 2);
    assert.equal(spec.maxUnavailable, undefined);
    assert.equal(spec.unhealthyPodEvictionPolicy, 'IfHealthyBudget');
    const off = await render({ podDisruptionBudget: { enabled: false } });
    assert.ok(!kinds(off).includes('PodDisruptionBudget'));
  });

  it('adds prometheus.io annotations to the pods when asked', async () => {
    const objects = await render({ metrics: { prometheusAnnotations: true }, podAnnotations: { team: 'streams' } });
    assert.deepEqual(at(find(objects, 'Deployment'), 'spec', 'template', 'metadata', 'annotations'), {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
      team: 'streams',
    });
  });

  it('renders the ServiceMonitor or the PodMonitor, the PrometheusRule and the Grafana dashboard when enabled', async () => {
    const objects = await render({
      metrics: {
        serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true },
        grafanaDashboard: { enabled: true },
      },
    });
    const serviceMonitor = find(objects, 'ServiceMonitor');
    assert.equal(serviceMonitor.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(at(serviceMonitor, 'spec', 'endpoints'), [{ port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    const podMonitor = find(await render({ metrics: { podMonitor: { enabled: true } } }), 'PodMonitor');
    assert.deepEqual(at(podMonitor, 'spec', 'podMetricsEndpoints'), [{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    // The rules and the dashboard themselves: prometheus-rules.test.ts and dashboard.test.ts.
    const alerts = (at(find(objects, 'PrometheusRule'), 'spec', 'groups', 0, 'rules') as { alert: string }[]);
    assert.ok(alerts.length > 0);
    const dashboard = find(objects, 'ConfigMap', 'podvisor-dashboard');
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1');
    assert.ok(JSON.parse(at(dashboard, 'data', 'podvisor.json') as string));
  });

  it('mounts an unbounded emptyDir on /tmp when tmp.sizeLimit is null', async () => {
    const volumes = podSpec(await render({ tmp: { sizeLimit: null } })).volumes as Record<string, unknown>[];
    assert.deepEqual(volumes.find((volume) => volume.name === 'tmp'), { name: 'tmp', emptyDir: {} });
  });

  it('leaves a probe out when it is disabled', async () => {
    const objects = await render({ probes: { startup: { enabled: false }, liveness: { enabled: true, periodSeconds: 30 }, readiness: { enabled: false } } });
    const container = podvisorContainer(objects);
    assert.equal(container.startupProbe, undefined);
    assert.equal(container.readinessProbe, undefined);
    assert.deepEqual(container.livenessProbe, { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 30, timeoutSeconds: 2, failureThreshold: 3 });
  });
});
