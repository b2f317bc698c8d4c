import { join } from 'node:path';
import type { KubernetesMode } from '../../config/settings.ts';

/** The Pod podvisor runs in, and how to reach the API server from it. */
export interface PodTarget {
  readonly name: string;
  readonly namespace: string;
  /** From the Downward API (POD_UID); Events then name the exact Pod incarnation. */
  readonly uid: string | undefined;
  readonly apiServerUrl: string;
  readonly tokenFile: string;
  readonly caFile: string;
}

export type PodDetection =
  | { readonly kind: 'in_pod'; readonly target: PodTarget }
  /** Not recording, and nothing to tell the operator beyond a debug line. */
  | { readonly kind: 'off'; readonly why: string }
  /** PODVISOR_KUBERNETES=on, but pieces are missing: worth one warning. */
  | { readonly kind: 'incomplete'; readonly missing: readonly string[] };

export interface DetectionInput {
  readonly mode: KubernetesMode;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly serviceAccountDir: string;
  readonly fileExists: (path: string) => boolean;
  /** Reads the service account's namespace file (the fallback when POD_NAMESPACE is not set). */
  readonly readNamespaceFile: (path: string) => string | undefined;
}

/**
 * Decides whether podvisor records Events on its Pod: `auto` needs everything a pod has (the API server's
 * address, the mounted service-account token and CA, the Pod's name and namespace); `on` insists and
 * reports what is missing; `off` never does.
 */
export function detectPod(input: DetectionInput): PodDetection {
  if (input.mode === 'off') return { kind: 'off', why: 'PODVISOR_KUBERNETES=off' };
  const { environment, serviceAccountDir, fileExists } = input;
  const missing: string[] = [];
  const host = nonEmpty(environment.KUBERNETES_SERVICE_HOST);
  const port = nonEmpty(environment.KUBERNETES_SERVICE_PORT) ?? '443';
  if (host === undefined) missing.push('KUBERNETES_SERVICE_HOST');
  const tokenFile = join(serviceAccountDir, 'token');
  const caFile = join(serviceAccountDir, 'ca.crt');
  if (!fileExists(tokenFile)) missing.push(`the service-account token ${tokenFile}`);
  if (!fileExists(caFile)) missing.push(`the cluster CA ${caFile}`);
  const name = nonEmpty(environment.POD_NAME);
  if (name === undefined) missing.push('POD_NAME (Downward API: metadata.name)');
  const namespace = nonEmpty(environment.POD_NAMESPACE) ?? nonEmpty(input.readNamespaceFile(join(serviceAccountDir, 'namespace'))?.trim());
  if (namespace === undefined) missing.push('POD_NAMESPACE (Downward API: metadata.namespace)');

  if (missing.length > 0 || host === undefined || name === undefined || namespace === undefined) {
    return input.mode === 'on' ? { kind: 'incomplete', missing } : { kind: 'off', why: `not in a pod (missing ${missing.join(', ')})` };
  }
  const bracketedHost = host.includes(':') ? `[${host}]` : host;
  return {
    kind: 'in_pod',
    target: { name, namespace, uid: nonEmpty(environment.POD_UID), apiServerUrl: `https://${bracketedHost}:${port}`, tokenFile, caFile },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
