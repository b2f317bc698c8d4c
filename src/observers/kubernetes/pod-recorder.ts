import type { Logger } from '../logger.ts';
import type { SupervisionEvent } from '../../supervisor/events.ts';
import type { SupervisionListener, SupervisionSnapshot } from '../../supervisor/supervision.ts';
import type { PodTarget } from './detect-pod.ts';
import { eventName, observe, seriesKey, type EventSeries, type SeriesTable } from './event-series.ts';
import { annotationPatch, podAnnotations, type PodAnnotations } from './pod-annotations.ts';
import type { PodApi } from './pod-api.ts';
import { podEventsFor, type PodEventContext, type PodEventIntent } from './pod-events.ts';
import { RequestQueue, type RequestOutcome } from './request-queue.ts';
import { describeFailure } from './retry-policy.ts';
import { fullBucket, takeToken, type BucketLimits, type TokenBucket } from './token-bucket.ts';

/** The outcome of one Event occurrence: the `result` label of podvisor_kubernetes_events_total. */
export type EventResult = 'created' | 'aggregated' | 'rate_limited' | 'dropped' | 'failed';

export interface RecorderTuning {
  /** New Events per pod: a burst, then one per refill period — like client-go's spam filter. */
  readonly bucket: BucketLimits;
  /** Series patches have a bucket of their own, so that a long crash loop's counts never starve a new Event. */
  readonly seriesBucket: BucketLimits;
  /** Repeats of an Event within this window go out as one series patch. */
  readonly seriesPatchIntervalMs: number;
  /** Annotation changes within this window go out as one merge patch. */
  readonly annotationIntervalMs: number;
  readonly queueLimit: number;
  readonly attempts: number;
  readonly retryBaseMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_TUNING: RecorderTuning = {
  bucket: { burst: 25, refillMs: 10_000 },
  seriesBucket: { burst: 25, refillMs: 10_000 },
  seriesPatchIntervalMs: 1000,
  annotationIntervalMs: 500,
  queueLimit: 100,
  attempts: 3,
  retryBaseMs: 500,
  timeoutMs: 5000,
};

export interface RecorderOptions {
  readonly target: PodTarget;
  /** Resolves to the API once the client is loaded (after the server's spawn). */
  readonly api: Promise<Omit<PodApi, 'readPodDeletion'>>;
  readonly logger: Logger;
  readonly context: PodEventContext;
  /** Told each Event outcome (the metrics count it); never the supervision bus. */
  readonly report: (reason: string, result: EventResult) => void;
  readonly tuning?: RecorderTuning;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The events after which state, restarts or last exit may have changed (not, e.g., every server log line). */
const ANNOTATED_EVENTS: ReadonlySet<SupervisionEvent['type']> = new Set(['transition', 'server_spawned', 'server_exited', 'restart_scheduled', 'supervisor_exiting']);

interface SeriesState {
  created: boolean;
  /** Repeats observed but not yet sent. */
  unsent: number;
  timer: NodeJS.Timeout | undefined;
  lastPatchAt: number;
}

/**
 * Records supervision on the Pod: Events (aggregated, rate-bounded) and annotations (coalesced), through a
 * bounded request queue. The listener only queues work; no request is ever awaited by supervision.
 */
export class PodRecorder {
  readonly #options: RecorderOptions;
  readonly #tuning: RecorderTuning;
  readonly #now: () => number;
  readonly #queue: RequestQueue;
  #table: SeriesTable = new Map();
  readonly #series = new Map<string, SeriesState>();
  #bucket: TokenBucket;
  #seriesBucket: TokenBucket;
  #sequence = 0;
  #wantedAnnotations: PodAnnotations | undefined;
  #sentAnnotations: PodAnnotations | undefined;
  #annotationTimer: NodeJS.Timeout | undefined;
  #annotationQueued = false;
  #lastAnnotationPatchAt = Number.NEGATIVE_INFINITY;
  /** Set during an outage of the apiserver: one warning for the whole outage. */
  #unreachableSince: number | undefined;
  readonly #warned = new Set<string>();
  #closing = false;

  constructor(options: RecorderOptions) {
    this.#options = options;
    this.#tuning = options.tuning ?? DEFAULT_TUNING;
    this.#now = options.now ?? Date.now;
    this.#bucket = fullBucket(this.#tuning.bucket, this.#now());
    this.#seriesBucket = fullBucket(this.#tuning.seriesBucket, this.#now());
    this.#queue = new RequestQueue({
      limit: this.#tuning.queueLimit,
      attempts: this.#tuning.attempts,
      retryBaseMs: this.#tuning.retryBaseMs,
      timeoutMs: this.#tuning.timeoutMs,
      random: options.random ?? Math.random,
      onAttemptFailed: (kind, error) => {
        if (kind === 'unreachable') this.#noteUnreachable(error);
      },
    });
  }

  readonly listener: SupervisionListener = (event: SupervisionEvent, snapshot: SupervisionSnapshot) => {
    if (this.#closing) return;
    for (const intent of podEventsFor(event, this.#options.context)) this.#record(intent);
    if (ANNOTATED_EVENTS.has(event.type)) this.#wantAnnotations(podAnnotations(snapshot));
  };

  /**
   * Sends what is still pending (the "shutting down" Event, the last series counts, the final annotations) and
   * waits for it at most `waitMs`; what has not gone out by then is dropped.
   */
  async close(waitMs: number): Promise<void> {
    this.#closing = true;
    for (const [key, state] of this.#series) {
      clearTimeout(state.timer);
      state.timer = undefined;
      if (state.unsent > 0) this.#queueSeries(key);
    }
    clearTimeout(this.#annotationTimer);
    this.#annotationTimer = undefined;
    // Always one more: a patch already under way may carry an older state than the final one.
    this.#queueAnnotations();
    const done = await this.#queue.idle(waitMs);
    // Not a warning: the apiserver's trouble has had its one warning already.
    if (!done) this.#options.logger.info({ pending: this.#queue.pending, waitMs }, 'Kubernetes: exiting without waiting longer for the pending requests');
    this.#queue.stop();
    await this.#options.api.then((api) => api.close()).catch(() => {});
  }

  // ---- Events ----

  #record(intent: PodEventIntent): void {
    const now = this.#now();
    const { table, observation } = observe(this.#table, intent, now, () => eventName(this.#options.target.name, now, this.#sequence++));
    this.#table = table;
    const key = seriesKey(intent);
    if (observation.kind === 'new') {
      const taken = takeToken(this.#tuning.bucket, this.#bucket, now);
      this.#bucket = taken.bucket;
      if (!taken.taken) {
        // Forget it, so that a later occurrence may create the Event when the bucket has refilled.
        this.#table = new Map([...this.#table].filter(([entry]) => entry !== key));
        this.#options.report(intent.reason, 'rate_limited');
        return;
      }
      const state: SeriesState = { created: false, unsent: 0, timer: undefined, lastPatchAt: now };
      const previous = this.#series.get(key);
      if (previous !== undefined) clearTimeout(previous.timer);
      this.#series.set(key, state);
      this.#queue.push({
        run: async () => (await this.#options.api).createEvent(observation.series),
        settle: (outcome) => {
          if (outcome.ok) state.created = true;
          this.#noteOutcome(outcome, `create Event (${intent.reason})`);
          this.#options.report(intent.reason, outcome.ok ? 'created' : failedResult(outcome));
        },
      });
      return;
    }
    const state = this.#series.get(key);
    if (state === undefined) return;
    state.unsent++;
    if (state.timer === undefined) {
      const wait = Math.max(0, state.lastPatchAt + this.#tuning.seriesPatchIntervalMs - now);
      state.timer = setTimeout(() => this.#flushSeries(key), wait);
      state.timer.unref();
    }
  }

  #flushSeries(key: string): void {
    const state = this.#series.get(key);
    if (state === undefined) return;
    state.timer = undefined;
    const now = this.#now();
    const taken = takeToken(this.#tuning.seriesBucket, this.#seriesBucket, now);
    this.#seriesBucket = taken.bucket;
    if (!taken.taken) {
      state.timer = setTimeout(() => this.#flushSeries(key), taken.waitMs);
      state.timer.unref();
      return;
    }
    this.#queueSeries(key);
  }

  /** Sends the series' latest count: a patch of the existing Event, or a create if it never got there or expired. */
  #queueSeries(key: string): void {
    const state = this.#series.get(key);
    const series = this.#table.get(key);
    if (state === undefined || series === undefined || state.unsent === 0) return;
    const occurrences = state.unsent;
    state.unsent = 0;
    state.lastPatchAt = this.#now();
    const latest = (): EventSeries => this.#table.get(key) ?? series;
    this.#queue.push({
      run: async () => {
        const api = await this.#options.api;
        if (!state.created) {
          await api.createEvent(latest());
          state.created = true;
          return;
        }
        try {
          await api.patchEventSeries(latest());
        } catch (error) {
          if ((error as { code?: unknown }).code !== 404) throw error;
          // The Event expired (the apiserver keeps Events for an hour by default): record it anew.
          await api.createEvent(latest());
        }
      },
      settle: (outcome) => {
        this.#noteOutcome(outcome, `update Event (${series.intent.reason})`);
        for (let index = 0; index < occurrences; index++) this.#options.report(series.intent.reason, outcome.ok ? 'aggregated' : failedResult(outcome));
      },
    });
  }

  // ---- annotations ----

  #wantAnnotations(annotations: PodAnnotations): void {
    if (annotationPatch(this.#wantedAnnotations, annotations) === undefined) return;
    this.#wantedAnnotations = annotations;
    this.#scheduleAnnotations();
  }

  /** Arms one patch for the annotations that differ from what the Pod has, at most one per interval. */
  #scheduleAnnotations(): void {
    if (this.#annotationTimer !== undefined || this.#annotationQueued || this.#closing) return;
    if (this.#wantedAnnotations === undefined || annotationPatch(this.#sentAnnotations, this.#wantedAnnotations) === undefined) return;
    const wait = Math.max(0, this.#lastAnnotationPatchAt + this.#tuning.annotationIntervalMs - this.#now());
    this.#annotationTimer = setTimeout(() => {
      this.#annotationTimer = undefined;
      this.#queueAnnotations();
    }, wait);
    this.#annotationTimer.unref();
  }

  #queueAnnotations(): void {
    if (this.#wantedAnnotations === undefined) return;
    this.#annotationQueued = true;
    this.#lastAnnotationPatchAt = this.#now();
    let sending: PodAnnotations | undefined;
    this.#queue.push({
      run: async () => {
        // The latest wanted annotations when the request's turn comes: bursts collapse into one patch.
        sending = this.#wantedAnnotations;
        const patch = sending === undefined ? undefined : annotationPatch(this.#sentAnnotations, sending);
        if (patch !== undefined) await (await this.#options.api).patchPodAnnotations(patch);
      },
      settle: (outcome) => {
        this.#annotationQueued = false;
        if (outcome.ok) this.#sentAnnotations = sending;
        this.#noteOutcome(outcome, 'patch Pod annotations');
        // Changes that arrived while this patch was under way go out next; after a failure, with the next
        // change or once the apiserver answers again.
        if (outcome.ok) this.#scheduleAnnotations();
      },
    });
  }

  // ---- the one warning ----

  /** The first failed attempt of an outage warns (a retry may still succeed, but the operator should know now). */
  #noteUnreachable(error: unknown): void {
    if (this.#unreachableSince !== undefined) return;
    this.#unreachableSince = this.#now();
    const { logger, target } = this.#options;
    logger.warn(
      { pod: `${target.namespace}/${target.name}`, apiServer: target.apiServerUrl, error: describeFailure(error) },
      'Kubernetes API server unreachable: Events and annotations on this Pod are retried, then skipped, until it answers (supervision goes on; counted in podvisor_kubernetes_events_total{result="failed"})',
    );
  }

  #noteOutcome(outcome: RequestOutcome, what: string): void {
    const { logger, target } = this.#options;
    const pod = `${target.namespace}/${target.name}`;
    if (outcome.ok) {
      if (this.#unreachableSince !== undefined) {
        logger.info({ pod, outageMs: this.#now() - this.#unreachableSince }, 'Kubernetes API server reachable again: recording Events and annotations');
        this.#unreachableSince = undefined;
        this.#scheduleAnnotations();
      }
      return;
    }
    if (outcome.kind === 'dropped') return;
    if (outcome.kind === 'unreachable') {
      this.#noteUnreachable(outcome.error);
      return;
    }
    // One warning for a refusal, whatever was refused; one per kind of request for a rejection (a bug of ours).
    const warning = outcome.kind === 'forbidden' ? 'forbidden' : `${outcome.kind}:${what.replace(/ \(.*\)$/, '')}`;
    if (this.#warned.has(warning)) return;
    this.#warned.add(warning);
    if (outcome.kind === 'forbidden') {
      logger.warn(
        { pod, request: what, error: describeFailure(outcome.error) },
        'Kubernetes API server refused a request: the service account needs RBAC for events.k8s.io events (create, patch) and pods (get, patch); such requests are skipped',
      );
    } else {
      logger.warn({ pod, request: what, error: describeFailure(outcome.error), detail: rejectionDetail(outcome.error) }, 'Kubernetes API server rejected a request');
    }
  }
}

function failedResult(outcome: RequestOutcome): EventResult {
  return !outcome.ok && outcome.kind === 'dropped' ? 'dropped' : 'failed';
}

/** The apiserver's own message for a rejected request (a Status object's message), never headers. */
function rejectionDetail(error: unknown): string | undefined {
  const body = (error as { body?: unknown } | undefined)?.body;
  if (typeof body !== 'string') return undefined;
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === 'string' ? status.message.slice(0, 500) : undefined;
  } catch {
    return body.slice(0, 500);
  }
}
