/**
 * The longest delay Node's timers keep: 2^31−1 ms (about 24.8 days). A longer one — or Infinity, or NaN — is
 * taken as 1 ms and fires at once, so every duration podvisor reads must fit it after conversion to ms.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The same limit in seconds, as --help and errors show it. */
export const MAX_TIMER_SECONDS = MAX_TIMER_MS / 1000;

/** A whole number of milliseconds from `minimum` to MAX_TIMER_MS. Pure; throws a message for people. */
export function parseMilliseconds(text: string, minimum: number): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new Error('not a whole number of milliseconds');
  const value = Number(trimmed);
  if (value < minimum) throw new RangeError(`below the minimum of ${minimum}`);
  if (value > MAX_TIMER_MS) throw new RangeError(`longer than ${MAX_TIMER_MS} ms, the longest timer Node keeps`);
  return value;
}

/**
 * A decimal number of seconds from 0 whose milliseconds fit MAX_TIMER_MS ("2.5", "0.05", "3e2"; not "Infinity",
 * "NaN" or "1e400"). Pure; throws a message for people.
 */
export function parseSeconds(text: string): number {
  const trimmed = text.trim();
  if (!/^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) throw new Error('not a number of seconds');
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value * 1000 > MAX_TIMER_MS) throw new RangeError(`longer than ${MAX_TIMER_SECONDS} s, the longest timer Node keeps`);
  return value;
}
