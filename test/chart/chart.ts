// Renders helm/podvisor with the real helm and parses the result, for the chart tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/podvisor-process.ts';
import { HELM, requireTool, runTool, type ToolResult } from '../helpers/tools.ts';

export const CHART = join(ROOT, 'helm', 'podvisor');
export const KUSTOMIZATION = join(ROOT, 'k8s');
export const RELEASE = 'podvisor';
export const NAMESPACE = 'default';

/** A rendered Kubernetes object, loosely typed: tests walk into it with `at`. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Parses a multi-document YAML stream into objects (empty documents dropped). */
export function parseObjects(yamlText: string): KubeObject[] {
  return parseAllDocuments(yamlText)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`unparsable YAML: ${document.errors.map((error) => error.message).join('; ')}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null && typeof object === 'object');
}

/** Runs helm with the values written to a file (so that types survive, unlike --set). */
async function withValuesFile<T>(values: object, run: (file: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(join(tmpdir(), 'podvisor-chart-'));
  try {
    const file = join(directory, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    return await run(file);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** `helm template` with these values; resolves with helm's exit code and output (for the failure cases). */
export function templateRaw(values: object, release = RELEASE, namespace = NAMESPACE): Promise<ToolResult> {
  return withValuesFile(values, (file) =>
    runTool(requireTool(HELM), ['template', release, CHART, '--namespace', namespace, '--values', file]),
  );
}

/** The objects `helm template` renders with these values; rejects with helm's message if it fails. */
export async function render(values: object = {}, release = RELEASE, namespace = NAMESPACE): Promise<KubeObject[]> {
  const result = await templateRaw(values, release, namespace);
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}):\n${result.stderr}`);
  return parseObjects(result.stdout);
}

/** `helm lint --strict` with these values. */
export function lint(values: object = {}): Promise<ToolResult> {
  return withValuesFile(values, (file) => runTool(requireTool(HELM), ['lint', '--strict', CHART, '--values', file]));
}

/** The one object of this kind (and name, if given); throws listing what there is otherwise. */
export function find(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length} among: ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')}`);
  }
  return found[0] as KubeObject;
}

/** The kinds the chart renders that have no namespace. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

export function kinds(objects: readonly KubeObject[]): string[] {
  return objects.map((object) => object.kind).sort();
}

/** Walks a path of keys / indexes into an object; undefined when any step is missing. */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly args?: string[];
  readonly command?: string[];
  readonly env: { name: string; value?: string; valueFrom?: unknown }[];
  readonly [field: string]: unknown;
}

/** The podvisor container of the Deployment. */
export function podvisorContainer(objects: readonly KubeObject[]): Container {
  const containers = at(find(objects, 'Deployment'), 'spec', 'template', 'spec', 'containers') as Container[];
  const container = containers.find((candidate) => candidate.name === 'podvisor');
  if (container === undefined) throw new Error('no podvisor container');
  return container;
}

/** The container's environment as name → value (valueFrom entries as their JSON). */
export function environment(container: Container): Map<string, string> {
  return new Map(container.env.map((variable) => [variable.name, variable.value ?? JSON.stringify(variable.valueFrom)]));
}
