/** A token bucket: `burst` tokens at most, one more every `refillMs`. A plain value; `takeToken` returns the next. */
export interface TokenBucket {
  readonly tokens: number;
  readonly updatedAt: number;
}

export interface BucketLimits {
  readonly burst: number;
  readonly refillMs: number;
}

export function fullBucket(limits: BucketLimits, now: number): TokenBucket {
  return { tokens: limits.burst, updatedAt: now };
}

function refilled(limits: BucketLimits, bucket: TokenBucket, now: number): TokenBucket {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  return { tokens: Math.min(limits.burst, bucket.tokens + elapsed / limits.refillMs), updatedAt: now };
}

/** Takes one token if there is one; `waitMs` says how long until the next one when there is not. */
export function takeToken(limits: BucketLimits, bucket: TokenBucket, now: number): { readonly taken: boolean; readonly bucket: TokenBucket; readonly waitMs: number } {
  const current = refilled(limits, bucket, now);
  if (current.tokens >= 1) return { taken: true, bucket: { ...current, tokens: current.tokens - 1 }, waitMs: 0 };
  return { taken: false, bucket: current, waitMs: Math.ceil((1 - current.tokens) * limits.refillMs) };
}
