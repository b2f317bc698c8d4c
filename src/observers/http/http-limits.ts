/**
 * Bounds that keep clients of podvisor's port from holding it, its memory or its time. Probes and scrapes send a
 * few hundred bytes of head at once, read a small answer, and never pipeline; anything slower or larger than
 * these is cut off, and a new connection always finds room (docs/security.md).
 */
export interface HttpLimits {
  /** Request line plus headers, in bytes (431 beyond it). Also the most unread input a connection may hold. */
  readonly maxHeadBytes: number;
  /** From connect until the first request head is complete (408 then, or a silent close if nothing came). */
  readonly headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this; the next head must be complete by then. */
  readonly keepAliveTimeoutMs: number;
  /** An answer the client does not take (the kernel's buffer full, the client not reading) closes it after this. */
  readonly writeTimeoutMs: number;
  /** After the last answer on a connection (Connection: close), how long the client has to close its side. */
  readonly lingerMs: number;
  /**
   * Connections held at once (further bounded by podvisor's open-file limit). A connection beyond it is still
   * accepted: the one that has made no progress for the longest is closed to make room.
   */
  readonly maxConnections: number;
  /** How often deadlines are checked (one sweep over the connections, not a timer each). */
  readonly sweepIntervalMs: number;
  /**
   * Answers a second, over all connections (with a burst of `answersBurst`): a request beyond waits its turn, probes
   * (/healthz, /readyz) before the rest. A storm of requests then costs podvisor a bounded share of the CPU, and
   * the server it supervises (and its restarts) keeps the rest.
   */
  readonly answersPerSecond: number;
  readonly answersBurst: number;
}

export const HTTP_LIMITS: HttpLimits = {
  maxHeadBytes: 8 * 1024,
  headersTimeoutMs: 3000,
  keepAliveTimeoutMs: 5000,
  writeTimeoutMs: 5000,
  lingerMs: 1000,
  maxConnections: 16384,
  sweepIntervalMs: 250,
  answersPerSecond: 2000,
  answersBurst: 200,
};

/** Descriptors kept free for podvisor itself (pipes, the server's, files) when the open-file limit is low. */
export const RESERVED_DESCRIPTORS = 64;

/** The connection limit that fits the process's open-file limit (`Max open files` of /proc/self/limits). Pure. */
export function connectionLimit(configured: number, procLimits: string | undefined): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(procLimits ?? '');
  if (match === null || match[1] === 'unlimited') return configured;
  return Math.max(8, Math.min(configured, Number(match[1]) - RESERVED_DESCRIPTORS));
}
