import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerHandlers, ServerKit, Session } from '../server/index.ts';
import { channelOf, finalFrameLine, frameLine } from './frames.ts';
import type { StreamSettings } from './stream-settings.ts';

interface Viewer {
  readonly channel: string;
  readonly response: ServerResponse;
  sequence: number;
  session: Session | undefined;
}

/**
 * The reference streaming server (docs/kit.md) as the kit's handlers: GET /live/<channel> streams frames, one
 * kit session per open stream; GET / answers the state and session count; outside `running` new streams get
 * 503 + Retry-After, as the Darwin Streaming Server answers RTSP 503.
 */
export function streamServer(kit: ServerKit, settings: StreamSettings): ServerHandlers & { address(): AddressInfo | undefined } {
  const viewers = new Set<Viewer>();
  const payload = 'x'.repeat(settings.payloadBytes);
  let ticker: NodeJS.Timeout | undefined;
  const server: Server = createServer((request, response) => answer(request, response));
  // Every open stream is a long-lived response; nothing should time it out but the kit.
  server.requestTimeout = 0;

  const tick = (): void => {
    const time = new Date().toISOString();
    for (const viewer of viewers) {
      // A live stream drops frames for a reader that does not keep up, instead of buffering without bound.
      if (viewer.response.writableNeedDrain || viewer.response.writableEnded) continue;
      viewer.response.write(frameLine(viewer.channel, viewer.sequence++, time, payload));
    }
  };

  const watch = (viewer: Viewer): void => {
    viewers.add(viewer);
    if (ticker === undefined) {
      ticker = setInterval(tick, settings.frameIntervalMs);
      ticker.unref();
    }
  };

  const unwatch = (viewer: Viewer): void => {
    viewers.delete(viewer);
    viewer.session?.close();
    if (viewers.size === 0 && ticker !== undefined) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = `${JSON.stringify(body)}\n`;
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
    response.end(text);
  };

  const refuse = (response: ServerResponse): void => {
    const closing = kit.state === 'shutting_down' || kit.state === 'fatal_error';
    json(response, 503, { error: 'the server does not accept new streams now', state: kit.state }, { 'retry-after': String(settings.retryAfterSeconds), ...(closing ? { connection: 'close' } : {}) });
  };

  const stream = (channel: string, response: ServerResponse): void => {
    const viewer: Viewer = { channel, response, sequence: 0, session: undefined };
    const session = kit.openSession({
      end: () => {
        viewers.delete(viewer);
        response.end(finalFrameLine(channel, viewer.sequence++, new Date().toISOString(), kit.state));
      },
      kill: () => {
        response.destroy();
      },
    });
    if (session === undefined) {
      refuse(response);
      return;
    }
    viewer.session = session;
    response.on('close', () => unwatch(viewer));
    // A viewer that vanishes mid-write is an ordinary end of its stream, not the server's error.
    response.on('error', () => {});
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.write(frameLine(channel, viewer.sequence++, new Date().toISOString(), payload));
    watch(viewer);
  };

  const answer = (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      json(response, 405, { error: 'only GET is served' }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/') {
      json(response, 200, { state: kit.state, sessions: kit.sessionCount });
      return;
    }
    const channel = channelOf(path);
    if (channel === undefined) {
      json(response, 404, { error: 'not found; streams are at /live/<channel> (letters, digits, ".", "_", "-")' });
      return;
    }
    if (request.method === 'HEAD') {
      // A HEAD has no body to stream: it only says whether a stream would be served now.
      response.writeHead(kit.acceptingSessions ? 200 : 503, { 'content-type': 'application/x-ndjson' });
      response.end();
      return;
    }
    stream(channel, response);
  };

  return {
    address: () => (server.address() as AddressInfo | null) ?? undefined,
    start: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: settings.port, host: settings.host, backlog: 4096 }, () => {
          server.off('error', reject);
          const { address, port } = server.address() as AddressInfo;
          kit.logError('message', `reference streaming server listening on ${address}:${port}; streams at /live/<channel>, status at /`);
          resolve();
        });
      }),
    stop: () => {
      // The listener and the connections left (every stream has ended by now; a 503 is all a newcomer gets)
      // close with the process: the kernel does that far faster than closing 10,000 sockets one by one from
      // JavaScript (server.close() would, closing every idle keep-alive connection).
      if (ticker !== undefined) clearInterval(ticker);
    },
  };
}
