/** What a failed Kubernetes API request means for the next attempt and for the operator. */
export type FailureKind = 'unreachable' | 'forbidden' | 'not_found' | 'rejected';

/** HTTP status of a client-node ApiException; undefined for network errors and timeouts. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') return error.code;
  return undefined;
}

export function classifyFailure(error: unknown): FailureKind {
  const status = statusOf(error);
  if (status === undefined || status === 429 || status >= 500) return 'unreachable';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  return 'rejected';
}

/** Only an unreachable, overloaded or failing apiserver is worth another try. */
export function isRetryable(kind: FailureKind): boolean {
  return kind === 'unreachable';
}

/** The wait before attempt `attempt + 1` (attempt counts from 1): doubling from `baseMs`, jittered ±50 %. */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + random()));
}

/** A short, token-free description of a failure for podvisor's one warning. */
export function describeFailure(error: unknown): string {
  const status = statusOf(error);
  if (status !== undefined) return `HTTP ${status}`;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'request timed out';
    const cause = (error as Error & { cause?: unknown }).cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
    return error.message.split('\n')[0] ?? error.message;
  }
  return String(error);
}
