import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { fullBucket, takeToken, type BucketLimits } from '../kubernetes/token-bucket.ts';
import type { SupervisionSnapshot } from '../../supervisor/supervision.ts';
import { ConnectionTable } from './connection-table.ts';
import { connectionLimit, HTTP_LIMITS, type HttpLimits } from './http-limits.ts';
import { healthAnswer, readinessAnswer, statusDocument } from './probe-answers.ts';
import { parseRequestHead, type RequestHead } from './request-head.ts';
import { responseHead, type Response } from './response-bytes.ts';
import { ALLOWED_METHODS, routeRequest, wantsOpenMetrics } from './routes.ts';

/** What the port needs of metrics: an exposition in either format. */
export interface MetricsSource {
  render(openMetrics: boolean): Promise<{ readonly contentType: string; readonly body: string }>;
}

export interface ObservabilityServerOptions {
  readonly host: string;
  readonly port: number;
  /** The supervision state now; the port reads nothing else of supervision and changes nothing. */
  readonly snapshot: () => SupervisionSnapshot;
  readonly metrics: MetricsSource;
  readonly version: string;
  readonly limits?: HttpLimits;
  readonly now?: () => number;
}

export interface ObservabilityServer {
  /** The port actually bound. */
  readonly port: number;
  /** Connections held now (for tests and the bench). */
  readonly connections: () => number;
  /** Stops listening and closes every connection; bounded. */
  close(): Promise<void>;
}

export type ListenResult = { readonly ok: true; readonly server: ObservabilityServer } | { readonly ok: false; readonly message: string; readonly code: string };

/** How long close waits for the listener to let go. */
const CLOSE_WAIT_MS = 1000;
/**
 * Pending connections the kernel holds for podvisor to accept (capped by net.core.somaxconn, 4096 by default): a
 * connection arriving when it is full is dropped by the kernel, and the client retries only a second later.
 */
const BACKLOG = 4096;
/** Connections a sweep closes at most. */
const SWEEP_BATCH = 500;

const TEXT = 'text/plain; charset=utf-8';

function textBytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/**
 * One connection: it reads until a request head is complete, then stops reading until the answer has been taken
 * by the kernel, so it never has more than one unanswered request, one answer and `maxHeadBytes` of input.
 */
interface Connection {
  readonly socket: Socket;
  phase: 'reading' | 'answering' | 'closing';
  /** What the client sent that is not used yet. */
  input: Buffer | undefined;
  /** When the current phase must be over (ms, the server's clock). */
  deadline: number;
  /** The client half-closed, or sent more than podvisor holds: this answer is the last. */
  last: boolean;
}

/**
 * podvisor's HTTP port (docs/http-and-metrics.md): /metrics, /healthz, /readyz and /status, read-only, HTTP/1.0 and
 * 1.1 over node:net. node:http is not used: it parses every request of a pipelined read (thousands in 64 KiB) and
 * queues an answer for each before a handler can stop it, so a client that pipelines and never reads costs
 * unbounded memory and time; here a connection is read one request at a time (docs/security.md). Every answer is
 * computed from the supervision snapshot at request time; a failure to bind is returned, not thrown, for the caller
 * to turn into podvisor's exit.
 */
export function listenObservability(options: ObservabilityServerOptions): Promise<ListenResult> {
  const limits = options.limits ?? HTTP_LIMITS;
  const now = options.now ?? Date.now;
  const maxConnections = connectionLimit(limits.maxConnections, readProcLimits());
  const table = new ConnectionTable<Connection>();
  let closing = false;
  // One rendering of /metrics answers every scraper of its window: encoded once per format, not once per scrape.
  const encodedRenderings = new Map<string, Buffer>();
  const renderingBytes = (body: string): Buffer => {
    let bytes = encodedRenderings.get(body);
    if (bytes === undefined) {
      if (encodedRenderings.size >= 2) encodedRenderings.clear();
      bytes = textBytes(body);
      encodedRenderings.set(body, bytes);
    }
    return bytes;
  };

  // The answer budget: requests beyond it wait, each connection's one request at most, probes first.
  const answerLimits: BucketLimits = { burst: limits.answersBurst, refillMs: 1000 / limits.answersPerSecond };
  let answerBucket = fullBucket(answerLimits, performance.now());
  const waitingProbes: Array<readonly [Connection, RequestHead]> = [];
  const waitingOthers: Array<readonly [Connection, RequestHead]> = [];
  let drainTimer: NodeJS.Timeout | undefined;

  function schedule(connection: Connection, head: RequestHead): void {
    if (waitingProbes.length === 0 && waitingOthers.length === 0 && takeAnswerToken() === 0) return answer(connection, head);
    const route = routeRequest(head.method, head.target);
    const isProbe = route.kind === 'endpoint' && (route.endpoint === '/healthz' || route.endpoint === '/readyz');
    (isProbe ? waitingProbes : waitingOthers).push([connection, head]);
    drainTimer ??= setTimeout(drainWaiting, 1);
  }

  /** 0 when a token was taken, else the ms until the next one. */
  function takeAnswerToken(): number {
    const taken = takeToken(answerLimits, answerBucket, performance.now());
    answerBucket = taken.bucket;
    return taken.taken ? 0 : Math.max(1, taken.waitMs);
  }

  function drainWaiting(): void {
    drainTimer = undefined;
    for (;;) {
      const queue = waitingProbes.length > 0 ? waitingProbes : waitingOthers;
      const next = queue[0];
      if (next === undefined) return;
      if (next[0].socket.destroyed) {
        queue.shift();
        continue;
      }
      const waitMs = takeAnswerToken();
      if (waitMs > 0) {
        drainTimer = setTimeout(drainWaiting, waitMs);
        return;
      }
      queue.shift();
      answer(next[0], next[1]);
    }
  }

  // A paused socket still reads up to its high-water mark into Node's buffer: keep that small too.
  const server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: limits.maxHeadBytes }, (socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    // Room for the newcomer: a probe must always get in, so the stalest connection goes, not the new one.
    while (table.size >= maxConnections) {
      const stalest = table.stalest();
      if (stalest === undefined) break;
      drop(stalest);
    }
    const connection: Connection = { socket, phase: 'reading', input: undefined, deadline: now() + limits.headersTimeoutMs, last: false };
    table.add(connection, now());
    sweepWhileConnected();
    socket.on('data', (chunk: Buffer) => received(connection, chunk));
    socket.on('end', () => {
      connection.last = true;
      if (connection.phase === 'reading') drop(connection);
    });
    socket.on('error', () => drop(connection));
    socket.on('close', () => table.remove(connection));
  });

  function drop(connection: Connection): void {
    table.remove(connection);
    connection.input = undefined;
    connection.socket.destroy();
  }

  function received(connection: Connection, chunk: Buffer): void {
    if (connection.phase === 'closing') return;
    if (connection.phase !== 'reading') {
      // Read before the pause took effect: held like the rest of the input, within the same bound.
      hold(connection, connection.input === undefined ? chunk : Buffer.concat([connection.input, chunk]));
      return;
    }
    connection.input = connection.input === undefined ? chunk : Buffer.concat([connection.input, chunk]);
    nextRequest(connection);
  }

  /**
   * Keeps `bytes` as unread input, copied out of the read buffer into memory of its own (a small Buffer.from
   * would share Node's 8 KiB pool slab, and thousands of trickling connections would each keep a slab alive), or
   * ends the connection after this answer.
   */
  function hold(connection: Connection, bytes: Buffer): void {
    if (bytes.length === 0) connection.input = undefined;
    else if (bytes.length <= limits.maxHeadBytes) {
      const copy = Buffer.allocUnsafeSlow(bytes.length);
      bytes.copy(copy);
      connection.input = copy;
    } else {
      connection.input = undefined;
      connection.last = true;
    }
  }

  function nextRequest(connection: Connection): void {
    const input = connection.input;
    if (input === undefined || input.length === 0) {
      connection.input = undefined;
      if (connection.last) return end(connection);
      connection.phase = 'reading';
      connection.socket.resume();
      return;
    }
    const parsed = parseRequestHead(input, limits.maxHeadBytes);
    if (parsed.kind === 'incomplete') {
      hold(connection, input);
      connection.phase = 'reading';
      connection.socket.resume();
      return;
    }
    connection.socket.pause();
    connection.phase = 'answering';
    connection.deadline = now() + limits.writeTimeoutMs;
    table.progressed(connection, now());
    if (parsed.kind === 'too_large') {
      connection.input = undefined;
      return send(connection, { status: 431, contentType: TEXT, body: textBytes(`request head larger than ${limits.maxHeadBytes} bytes\n`) }, { withBody: true, keepAlive: false });
    }
    if (parsed.kind === 'bad') {
      connection.input = undefined;
      return send(connection, { status: 400, contentType: TEXT, body: textBytes(`bad request: ${parsed.why}\n`) }, { withBody: true, keepAlive: false });
    }
    const head = parsed.head;
    // A body is never read: what follows the head is not a request, so this answer is the last.
    if (head.hasBody) connection.input = undefined;
    else hold(connection, input.subarray(head.length));
    schedule(connection, head);
  }

  function answer(connection: Connection, head: RequestHead): void {
    const keepAlive = head.keepAlive && !head.hasBody;
    const route = routeRequest(head.method, head.target);
    if (route.kind === 'not_found') {
      return send(connection, { status: 404, contentType: TEXT, body: textBytes('not found: podvisor serves /metrics, /healthz, /readyz and /status\n') }, { withBody: head.method !== 'HEAD', keepAlive });
    }
    if (route.kind === 'method_not_allowed') {
      return send(connection, { status: 405, contentType: TEXT, body: textBytes(`method not allowed: use ${ALLOWED_METHODS.join(' or ')}\n`), headers: { Allow: ALLOWED_METHODS.join(', ') } }, { withBody: true, keepAlive });
    }
    const framing = { withBody: route.withBody, keepAlive };
    const snapshot = options.snapshot();
    switch (route.endpoint) {
      case '/healthz': {
        const probe = healthAnswer(snapshot);
        return send(connection, { status: probe.status, contentType: TEXT, body: textBytes(probe.body) }, framing);
      }
      case '/readyz': {
        const probe = readinessAnswer(snapshot);
        return send(connection, { status: probe.status, contentType: TEXT, body: textBytes(probe.body) }, framing);
      }
      case '/status':
        return send(connection, { status: 200, contentType: 'application/json; charset=utf-8', body: textBytes(`${JSON.stringify(statusDocument(snapshot, now(), options.version))}\n`) }, framing);
      case '/metrics':
        options.metrics.render(wantsOpenMetrics(head.accept)).then(
          (rendered) => send(connection, { status: 200, contentType: rendered.contentType, body: renderingBytes(rendered.body) }, framing),
          // Never a stack trace on the port; the scraper sees the failure as a failed scrape.
          () => send(connection, { status: 500, contentType: TEXT, body: textBytes('metrics could not be collected\n') }, { withBody: true, keepAlive: false }),
        );
        return;
    }
  }

  function send(connection: Connection, response: Response, framing: { withBody: boolean; keepAlive: boolean }): void {
    const { socket } = connection;
    if (socket.destroyed) return;
    const keepAlive = framing.keepAlive && !connection.last && !closing;
    const head = responseHead(response, { keepAlive, keepAliveSeconds: Math.floor(limits.keepAliveTimeoutMs / 1000), date: new Date(now()).toUTCString() });
    connection.deadline = now() + limits.writeTimeoutMs;
    const withBody = framing.withBody && response.body.length > 0;
    socket.cork();
    if (withBody) socket.write(head);
    socket.write(withBody ? response.body : head, (error) => {
      if (error !== undefined && error !== null) return drop(connection);
      if (!keepAlive) return;
      // The kernel took the whole answer: the next request may be read.
      table.progressed(connection, now());
      connection.deadline = now() + limits.keepAliveTimeoutMs;
      nextRequest(connection);
    });
    socket.uncork();
    if (!keepAlive) end(connection);
  }

  function end(connection: Connection): void {
    connection.phase = 'closing';
    connection.input = undefined;
    connection.deadline = now() + limits.lingerMs;
    connection.socket.end();
  }

  /** Closes every connection past its deadline; a client cut off mid-head is told so (408). */
  function sweep(): void {
    const at = now();
    let closed = 0;
    for (const connection of table) {
      if (connection.deadline > at) continue;
      // Thousands that connected together time out together: close them a batch a sweep, so that no turn of
      // the event loop (and no probe or signal waiting behind it) pays for all of them.
      if (++closed > SWEEP_BATCH) break;
      if (connection.phase === 'reading' && connection.input !== undefined && !connection.last) {
        connection.socket.pause();
        connection.input = undefined;
        connection.phase = 'answering';
        send(connection, { status: 408, contentType: TEXT, body: textBytes('request head not complete in time\n') }, { withBody: true, keepAlive: false });
      } else {
        drop(connection);
      }
    }
  }
  // The sweep runs only while connections are held: an idle port never wakes podvisor.
  let sweeper: NodeJS.Timeout | undefined;
  function sweepWhileConnected(): void {
    sweeper ??= setInterval(() => {
      sweep();
      if (table.size === 0) {
        clearInterval(sweeper);
        sweeper = undefined;
      }
    }, limits.sweepIntervalMs).unref();
  }

  function close(): Promise<void> {
    closing = true;
    clearInterval(sweeper);
    sweeper = undefined;
    clearTimeout(drainTimer);
    waitingProbes.length = 0;
    waitingOthers.length = 0;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CLOSE_WAIT_MS);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const connection of [...table]) drop(connection);
    });
  }

  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: error.code ?? 'unknown', message: bindFailure(options.host, options.port, error) });
    });
    server.listen({ host: options.host, port: options.port, exclusive: true, backlog: BACKLOG }, () => {
      server.removeAllListeners('error');
      // After binding, a failing accept (EMFILE) is logged by nobody and retried by libuv; it must not throw.
      server.on('error', () => {});
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({ ok: true, server: { port, connections: () => table.size, close } });
    });
  });
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

function bindFailure(host: string, port: number, error: NodeJS.ErrnoException): string {
  const why =
    error.code === 'EADDRINUSE'
      ? `port ${port} is already in use`
      : error.code === 'EACCES'
        ? `permission denied for port ${port}`
        : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
          ? `address ${JSON.stringify(host)} is not available on this machine`
          : `${error.code ?? 'error'}: ${error.message}`;
  return `cannot listen on ${host}:${port} for /metrics, /healthz, /readyz and /status: ${why} (PODVISOR_HTTP_PORT=${port}, PODVISOR_HTTP_HOST=${host}; choose a free port, or PODVISOR_HTTP_PORT=0 to run without the HTTP listener)`;
}
