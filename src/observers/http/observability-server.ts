import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SupervisionView } from '../../supervisor/supervision.ts';
import type { Metrics } from '../metrics/create-metrics.ts';
import { HTTP_LIMITS, type HttpLimits } from './http-limits.ts';
import { healthAnswer, readinessAnswer, statusDocument } from './probe-answers.ts';
import { ALLOWED_METHODS, routeRequest, wantsOpenMetrics } from './routes.ts';

export interface ObservabilityServerOptions {
  readonly host: string;
  readonly port: number;
  readonly supervision: SupervisionView;
  readonly metrics: Metrics;
  readonly version: string;
  readonly limits?: HttpLimits;
  readonly now?: () => number;
}

export interface ObservabilityServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops listening and closes every connection; bounded. */
  close(): Promise<void>;
}

export type ListenResult = { readonly ok: true; readonly server: ObservabilityServer } | { readonly ok: false; readonly message: string; readonly code: string };

/** How long close waits for the listener to let go. */
const CLOSE_WAIT_MS = 1000;

/**
 * podvisor's HTTP port (docs/http-and-metrics.md): /metrics, /healthz, /readyz and /status, read-only. Every answer is computed
 * from the supervision snapshot at request time; a failure to bind is returned, not thrown, for the caller to
 * turn into podvisor's exit.
 */
export function listenObservability(options: ObservabilityServerOptions): Promise<ListenResult> {
  const limits = options.limits ?? HTTP_LIMITS;
  const now = options.now ?? Date.now;
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    (request, response) => answer(request, response, options, now),
  );
  server.maxConnections = limits.maxConnections;
  // Without a 'timeout' listener Node destroys the idle socket, which is what a stuck client deserves.
  server.setTimeout(limits.socketIdleTimeoutMs);

  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: error.code ?? 'unknown', message: bindFailure(options.host, options.port, error) });
    });
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.removeAllListeners('error');
      // After binding, a failing socket is that client's problem only.
      server.on('error', () => {});
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({ ok: true, server: { port, close: () => closeServer(server) } });
    });
  });
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

function answer(request: IncomingMessage, response: ServerResponse, options: ObservabilityServerOptions, now: () => number): void {
  // Bodies are never read; let them pass so the connection stays usable.
  request.resume();
  const route = routeRequest(request.method, request.url);
  if (route.kind === 'not_found') {
    send(response, 404, 'text/plain; charset=utf-8', 'not found: podvisor serves /metrics, /healthz, /readyz and /status\n', true);
    return;
  }
  if (route.kind === 'method_not_allowed') {
    response.setHeader('Allow', ALLOWED_METHODS.join(', '));
    send(response, 405, 'text/plain; charset=utf-8', `method not allowed: use ${ALLOWED_METHODS.join(' or ')}\n`, true);
    return;
  }
  const snapshot = options.supervision.snapshot;
  switch (route.endpoint) {
    case '/healthz': {
      const probe = healthAnswer(snapshot);
      send(response, probe.status, 'text/plain; charset=utf-8', probe.body, route.withBody);
      return;
    }
    case '/readyz': {
      const probe = readinessAnswer(snapshot);
      send(response, probe.status, 'text/plain; charset=utf-8', probe.body, route.withBody);
      return;
    }
    case '/status':
      send(response, 200, 'application/json; charset=utf-8', `${JSON.stringify(statusDocument(snapshot, now(), options.version))}\n`, route.withBody);
      return;
    case '/metrics':
      options.metrics.render(wantsOpenMetrics(request.headers.accept)).then(
        (rendered) => send(response, 200, rendered.contentType, rendered.body, route.withBody),
        // Never a stack trace on the port; the scraper sees the failure as a failed scrape.
        () => send(response, 500, 'text/plain; charset=utf-8', 'metrics could not be collected\n', true),
      );
      return;
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string, withBody: boolean): void {
  if (response.destroyed) return;
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(withBody ? body : undefined);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_WAIT_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeAllConnections();
  });
}
