import type { PodTarget } from './detect-pod.ts';
import type { EventSeries } from './event-series.ts';
import type { PodAnnotations } from './pod-annotations.ts';

/** What the Kubernetes worker thread is started with. */
export interface WorkerSetup {
  readonly target: PodTarget;
  readonly timeoutMs: number;
}

export type WorkerRequest =
  | { readonly id: number; readonly method: 'readPodDeletion'; readonly argument?: undefined }
  | { readonly id: number; readonly method: 'createEvent' | 'patchEventSeries'; readonly argument: EventSeries }
  | { readonly id: number; readonly method: 'patchPodAnnotations'; readonly argument: PodAnnotations };

/** A failure as it crosses the thread boundary: what retry-policy.ts classifies and describes, nothing more. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** The HTTP status of an ApiException. */
  readonly code?: number;
  /** A network error's code (ECONNREFUSED, …). */
  readonly causeCode?: string;
  /** The apiserver's answer (a Status object), for a rejection's detail. */
  readonly body?: string;
}

/** `value` is what a read answered (readPodDeletion's boolean); absent for a write. */
export type WorkerReply = { readonly id: number; readonly ok: true; readonly value?: boolean } | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, body, cause } = error as Error & { code?: unknown; body?: unknown; cause?: unknown };
  const causeCode = typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : typeof code === 'string' ? code : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'number' ? { code } : {}),
    ...(causeCode === undefined ? {} : { causeCode }),
    ...(typeof body === 'string' ? { body: body.slice(0, 2000) } : {}),
  };
}

/** An Error shaped as the client's own (status in `code`, network code in `cause.code`). */
export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message, serialized.causeCode === undefined ? undefined : { cause: { code: serialized.causeCode } });
  error.name = serialized.name;
  return Object.assign(error, serialized.code === undefined ? {} : { code: serialized.code }, serialized.body === undefined ? {} : { body: serialized.body });
}
