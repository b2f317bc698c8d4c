/**
 * Bounds that keep a slow or hostile client from holding podvisor's port: probes and scrapes send a few hundred
 * bytes of headers at once and read a small answer, so anything slower than these is cut off.
 */
export interface HttpLimits {
  /** Request line plus headers, in bytes (Node answers 431 beyond it). */
  readonly maxHeaderSize: number;
  /** From connect until the headers are complete (Node answers 408 beyond it). */
  readonly headersTimeoutMs: number;
  /** From connect until the whole request has arrived. */
  readonly requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no traffic either way (e.g. a client that stopped reading) is destroyed after this. */
  readonly socketIdleTimeoutMs: number;
  /** How often Node checks the two request timeouts. */
  readonly timeoutCheckIntervalMs: number;
  /** Connections beyond this are refused at once. */
  readonly maxConnections: number;
}

export const HTTP_LIMITS: HttpLimits = {
  maxHeaderSize: 8 * 1024,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10000,
  keepAliveTimeoutMs: 5000,
  socketIdleTimeoutMs: 10000,
  timeoutCheckIntervalMs: 1000,
  maxConnections: 64,
};
