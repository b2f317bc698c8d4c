import { describeExit } from '../../process/server-exit.ts';
import type { SupervisionSnapshot } from '../../supervisor/supervision.ts';

export const STATE_ANNOTATION = 'podvisor.io/state';
export const RESTARTS_ANNOTATION = 'podvisor.io/restarts';
export const LAST_EXIT_ANNOTATION = 'podvisor.io/last-exit';

export type PodAnnotations = Readonly<Record<string, string>>;

/** The annotations that mirror supervision on the Pod (`kubectl get pod -o yaml`, `kubectl describe pod`). */
export function podAnnotations(snapshot: SupervisionSnapshot): PodAnnotations {
  return {
    [STATE_ANNOTATION]: snapshot.state,
    [RESTARTS_ANNOTATION]: String(snapshot.restarts),
    [LAST_EXIT_ANNOTATION]: snapshot.lastExit === undefined ? 'none' : describeExit(snapshot.lastExit),
  };
}

/** The merge patch that brings `sent` to `wanted`, or undefined when there is nothing to change. */
export function annotationPatch(sent: PodAnnotations | undefined, wanted: PodAnnotations): PodAnnotations | undefined {
  const changed = Object.entries(wanted).filter(([key, value]) => sent?.[key] !== value);
  return changed.length === 0 ? undefined : Object.fromEntries(changed);
}
