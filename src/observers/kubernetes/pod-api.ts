import type { EventSeries } from './event-series.ts';
import type { PodAnnotations } from './pod-annotations.ts';

/** The three requests podvisor makes about its Pod (RBAC: events create+patch, pods patch). */
export interface PodApi {
  createEvent(series: EventSeries): Promise<void>;
  /** Rejects with an error whose `code` is 404 when the Event is gone (expired): create it again then. */
  patchEventSeries(series: EventSeries): Promise<void>;
  patchPodAnnotations(annotations: PodAnnotations): Promise<void>;
  close(): Promise<void>;
}
