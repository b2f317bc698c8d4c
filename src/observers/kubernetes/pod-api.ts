import type { EventSeries } from './event-series.ts';
import type { PodAnnotations } from './pod-annotations.ts';

/** The requests podvisor makes about its Pod (RBAC: events create+patch, pods get+patch). */
export interface PodApi {
  /** Whether the Pod is being deleted (metadata.deletionTimestamp is set): a SIGTERM is coming or came. */
  readPodDeletion(): Promise<boolean>;
  createEvent(series: EventSeries): Promise<void>;
  /** Rejects with an error whose `code` is 404 when the Event is gone (expired): create it again then. */
  patchEventSeries(series: EventSeries): Promise<void>;
  patchPodAnnotations(annotations: PodAnnotations): Promise<void>;
  close(): Promise<void>;
}
