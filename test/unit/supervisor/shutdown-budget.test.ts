import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceededShutdownBudget } from '../../../src/supervisor/shutdown-budget.ts';

describe('the grace budget: shutdown delay + drain + kill grace against the termination grace period', () => {
  const cases: ReadonlyArray<[string, { shutdownDelaySeconds: number; drainSeconds: number; killGraceMs: number; terminationGraceSeconds: number | undefined }, { needSeconds: number; graceSeconds: number } | undefined]> = [
    ['grace period unknown: nothing to say', { shutdownDelaySeconds: 60, drainSeconds: 60, killGraceMs: 1000, terminationGraceSeconds: undefined }, undefined],
    ["the chart's defaults: 5 + 5 + 1 = 11 fits 16", { shutdownDelaySeconds: 5, drainSeconds: 5, killGraceMs: 1000, terminationGraceSeconds: 16 }, undefined],
    ['exactly the grace period fits', { shutdownDelaySeconds: 5, drainSeconds: 5, killGraceMs: 1000, terminationGraceSeconds: 11 }, undefined],
    ["Kubernetes' default 30 s against a 30 s delay", { shutdownDelaySeconds: 30, drainSeconds: 5, killGraceMs: 1000, terminationGraceSeconds: 30 }, { needSeconds: 36, graceSeconds: 30 }],
    ['one millisecond over', { shutdownDelaySeconds: 5, drainSeconds: 5, killGraceMs: 1001, terminationGraceSeconds: 11 }, { needSeconds: 11.001, graceSeconds: 11 }],
    ['fractions that binary floating point would not add up exactly: 0.1 + 0.2 + 0 fits 0.3', { shutdownDelaySeconds: 0.1, drainSeconds: 0.2, killGraceMs: 0, terminationGraceSeconds: 0.3 }, undefined],
    ['grace period 0 (the pod is killed at once): any drain is too long', { shutdownDelaySeconds: 0, drainSeconds: 0, killGraceMs: 1, terminationGraceSeconds: 0 }, { needSeconds: 0.001, graceSeconds: 0 }],
    ['nothing to wait for fits 0', { shutdownDelaySeconds: 0, drainSeconds: 0, killGraceMs: 0, terminationGraceSeconds: 0 }, undefined],
    ['no delay outside a pod, a long drain', { shutdownDelaySeconds: 0, drainSeconds: 120, killGraceMs: 1000, terminationGraceSeconds: 30 }, { needSeconds: 121, graceSeconds: 30 }],
  ];
  for (const [name, settings, expected] of cases) {
    it(name, () => assert.deepEqual(exceededShutdownBudget(settings), expected));
  }
});
