import assert from 'node:assert/strict';
import { test } from 'node:test';
import { annotationPatch, podAnnotations } from '../../../../src/observers/kubernetes/pod-annotations.ts';
import type { SupervisionSnapshot } from '../../../../src/supervisor/supervision.ts';

const SNAPSHOT: SupervisionSnapshot = { state: 'running', pid: 10, restarts: 0, lastExit: undefined, serverStartedAt: 0, backoffMs: 0, sessions: undefined, fatalLinePending: false, serverSuspended: false, supervisorStartedAt: 0 };

test('the annotations mirror the state, the restart count and the last exit', () => {
  assert.deepEqual(podAnnotations(SNAPSHOT), { 'podvisor.io/state': 'running', 'podvisor.io/restarts': '0', 'podvisor.io/last-exit': 'none' });
  assert.deepEqual(podAnnotations({ ...SNAPSHOT, state: 'backoff', restarts: 3, lastExit: { code: null, signal: 'SIGSEGV' } }), {
    'podvisor.io/state': 'backoff',
    'podvisor.io/restarts': '3',
    'podvisor.io/last-exit': 'signal SIGSEGV',
  });
});

test('the merge patch carries only what changed, and nothing when nothing did', () => {
  const sent = podAnnotations(SNAPSHOT);
  assert.equal(annotationPatch(sent, sent), undefined);
  assert.deepEqual(annotationPatch(sent, podAnnotations({ ...SNAPSHOT, state: 'stopped' })), { 'podvisor.io/state': 'stopped' });
  assert.deepEqual(annotationPatch(undefined, sent), sent);
});
