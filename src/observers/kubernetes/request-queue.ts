import { setTimeout as delay } from 'node:timers/promises';
import { classifyFailure, isRetryable, retryDelayMs, type FailureKind } from './retry-policy.ts';

export type RequestOutcome = { readonly ok: true } | { readonly ok: false; readonly kind: FailureKind | 'dropped'; readonly error?: unknown };

/** One API request: run (possibly several times), then told its outcome exactly once. */
export interface QueuedRequest {
  run(): Promise<void>;
  settle(outcome: RequestOutcome): void;
}

export interface RequestQueueOptions {
  /** Requests waiting at most; more are dropped, so that a dead apiserver cannot grow podvisor's memory. */
  readonly limit: number;
  readonly attempts: number;
  readonly retryBaseMs: number;
  /** One attempt's longest wait for the apiserver. */
  readonly timeoutMs: number;
  readonly random: () => number;
  /** Told of every failed attempt, before any retry (the first sign of an outage). */
  readonly onAttemptFailed?: (kind: FailureKind, error: unknown) => void;
}

/**
 * The Kubernetes requests, one at a time and in order (an Event's series patch follows its create), each
 * retried with doubling, jittered delays when the apiserver is unreachable, each attempt bounded by a timeout.
 * Nothing here ever blocks the caller: push() returns at once, timers do not keep podvisor alive.
 */
export class RequestQueue {
  readonly #options: RequestQueueOptions;
  readonly #waiting: QueuedRequest[] = [];
  #busy = false;
  #stopped = false;
  readonly #idleWaiters = new Set<() => void>();

  constructor(options: RequestQueueOptions) {
    this.#options = options;
  }

  get pending(): number {
    return this.#waiting.length + (this.#busy ? 1 : 0);
  }

  /** Queues `request`; when the queue is full or stopped it is settled as dropped at once. */
  push(request: QueuedRequest): void {
    if (this.#stopped || this.#waiting.length >= this.#options.limit) {
      request.settle({ ok: false, kind: 'dropped' });
      return;
    }
    this.#waiting.push(request);
    if (!this.#busy) void this.#work();
  }

  /** Resolves once every queued request has settled, or after `timeoutMs`; says which. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(done);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.add(done);
    });
  }

  /** Drops everything still waiting; the request under way settles when its attempt ends, without retries. */
  stop(): void {
    this.#stopped = true;
    for (const request of this.#waiting.splice(0)) request.settle({ ok: false, kind: 'dropped' });
    if (!this.#busy) this.#notifyIdle();
  }

  async #work(): Promise<void> {
    this.#busy = true;
    for (let request = this.#waiting.shift(); request !== undefined; request = this.#waiting.shift()) {
      request.settle(await this.#attempt(request));
    }
    this.#busy = false;
    this.#notifyIdle();
  }

  async #attempt(request: QueuedRequest): Promise<RequestOutcome> {
    const { attempts, retryBaseMs, timeoutMs, random } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await withTimeout(request.run(), timeoutMs);
        return { ok: true };
      } catch (error) {
        const kind = classifyFailure(error);
        this.#options.onAttemptFailed?.(kind, error);
        if (!isRetryable(kind) || attempt >= attempts || this.#stopped) return { ok: false, kind, error };
        await sleep(retryDelayMs(attempt, retryBaseMs, random));
        if (this.#stopped) return { ok: false, kind, error };
      }
    }
  }

  #notifyIdle(): void {
    for (const waiter of [...this.#idleWaiters]) waiter();
  }
}

class RequestTimeout extends Error {
  override readonly name = 'TimeoutError';
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  const done = new AbortController();
  const timeout = delay(timeoutMs, undefined, { signal: done.signal, ref: false }).then(() => {
    throw new RequestTimeout(`no answer within ${timeoutMs} ms`);
  });
  return Promise.race([promise, timeout]).finally(() => done.abort());
}

function sleep(ms: number): Promise<void> {
  return delay(ms, undefined, { ref: false });
}
