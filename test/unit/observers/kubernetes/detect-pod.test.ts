import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectPod, type DetectionInput } from '../../../../src/observers/kubernetes/detect-pod.ts';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';
const POD_ENV = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', POD_NAME: 'web-0', POD_NAMESPACE: 'prod', POD_UID: 'abc-123' };

function input(overrides: Partial<DetectionInput> = {}): DetectionInput {
  return { mode: 'auto', environment: POD_ENV, serviceAccountDir: SA, fileExists: () => true, readNamespaceFile: () => undefined, ...overrides };
}

test('auto in a pod records on that pod, through the service-account files', () => {
  assert.deepEqual(detectPod(input()), {
    kind: 'in_pod',
    target: { name: 'web-0', namespace: 'prod', uid: 'abc-123', apiServerUrl: 'https://10.96.0.1:443', tokenFile: `${SA}/token`, caFile: `${SA}/ca.crt` },
  });
});

test('off never records, even in a pod', () => {
  assert.equal(detectPod(input({ mode: 'off' })).kind, 'off');
});

test('auto outside a pod is quietly off and says what was missing', () => {
  const detection = detectPod(input({ environment: {}, fileExists: () => false }));
  assert.equal(detection.kind, 'off');
  assert.match(detection.kind === 'off' ? detection.why : '', /KUBERNETES_SERVICE_HOST.*token.*ca\.crt.*POD_NAME.*POD_NAMESPACE/);
});

test('on with missing pieces lists every one of them', () => {
  const detection = detectPod(input({ mode: 'on', environment: { ...POD_ENV, POD_NAME: '' }, fileExists: (path) => !path.endsWith('token') }));
  assert.deepEqual(detection, { kind: 'incomplete', missing: [`the service-account token ${SA}/token`, 'POD_NAME (Downward API: metadata.name)'] });
});

test('the namespace falls back to the service account\'s namespace file; the uid is optional', () => {
  const detection = detectPod(input({ environment: { ...POD_ENV, POD_NAMESPACE: undefined, POD_UID: undefined }, readNamespaceFile: () => 'staging\n' }));
  assert.equal(detection.kind === 'in_pod' ? detection.target.namespace : undefined, 'staging');
  assert.equal(detection.kind === 'in_pod' ? detection.target.uid : 'unexpected', undefined);
});

test('an IPv6 service host is bracketed, a missing port means 443, and the directory is configurable', () => {
  const detection = detectPod(input({ environment: { ...POD_ENV, KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: undefined }, serviceAccountDir: '/tmp/sa' }));
  assert.equal(detection.kind === 'in_pod' ? detection.target.apiServerUrl : undefined, 'https://[fd00::1]:443');
  assert.equal(detection.kind === 'in_pod' ? detection.target.tokenFile : undefined, '/tmp/sa/token');
});
