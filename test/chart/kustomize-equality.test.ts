// k8s/ (plain manifests + kustomization.yaml) must be the chart's defaults: `kubectl kustomize k8s/` and
// `helm template podvisor helm/podvisor --namespace default` give the same objects, compared object by object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl } from '../helpers/tools.ts';
import { KUSTOMIZATION, parseObjects, render, type KubeObject } from './chart.ts';

/**
 * What Helm adds that plain manifests have no use for — the only differences allowed:
 * the chart label `helm.sh/chart` and `app.kubernetes.io/managed-by: Helm` (on objects and the pod template),
 * and the objects that are Helm hooks (`helm.sh/hook` annotation: the `helm test` Pod).
 */
const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'] as const;
const HELM_HOOK_ANNOTATION = 'helm.sh/hook';

function withoutHelmLabels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutHelmLabels);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'labels' && child !== null && typeof child === 'object') {
      copy[key] = Object.fromEntries(Object.entries(child).filter(([label]) => !(HELM_ONLY_LABELS as readonly string[]).includes(label)));
    } else {
      copy[key] = withoutHelmLabels(child);
    }
  }
  return copy;
}

const identity = (object: KubeObject): string => `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

describe('k8s/ equals the chart with default values', async () => {
  const fromChart = (await render())
    .filter((object) => object.metadata.annotations?.[HELM_HOOK_ANNOTATION] === undefined)
    .map((object) => withoutHelmLabels(object) as KubeObject);
  const fromKustomize = parseObjects(await kubectl(['kustomize', KUSTOMIZATION]));

  it('kubectl kustomize k8s/ renders', () => {
    assert.ok(fromKustomize.length > 0);
  });

  it('has the same objects', () => {
    assert.deepEqual(fromKustomize.map(identity).sort(), fromChart.map(identity).sort());
  });

  for (const object of fromChart) {
    it(`has the same ${object.kind} ${object.metadata.name}`, () => {
      const twin = fromKustomize.find((candidate) => identity(candidate) === identity(object));
      assert.ok(twin !== undefined, `k8s/ lacks ${identity(object)}`);
      assert.deepEqual(twin, object);
    });
  }
});
