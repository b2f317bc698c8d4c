import { get, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

/** One open GET /live/<channel> as a real HTTP client sees it. */
export interface StreamClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body's complete lines so far. */
  readonly lines: string[];
  /** Settles when the body ends: `complete` (the chunked body was terminated) or `aborted` (the connection dropped). */
  readonly ended: Promise<'complete' | 'aborted'>;
  /** Resolves once `count` lines have arrived. */
  waitForLines(count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

const openRequests = new Set<{ destroy(): void }>();

/** Closes every stream client still open (for after() hooks: an open socket would keep the test alive). */
export function closeAllStreams(): void {
  for (const request of openRequests) request.destroy();
  openRequests.clear();
}

export function openStream(port: number, path: string): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      const lines: string[] = [];
      const waiters = new Set<() => void>();
      let partial = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts);
        for (const waiter of waiters) waiter();
      });
      const ended = new Promise<'complete' | 'aborted'>((settle) => {
        response.once('end', () => settle('complete'));
        response.once('aborted', () => settle('aborted'));
        response.once('error', () => settle('aborted'));
        response.once('close', () => settle(response.complete ? 'complete' : 'aborted'));
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        lines,
        ended,
        waitForLines: (count, timeoutMs = 10_000) =>
          new Promise((done, fail) => {
            const check = (): void => {
              if (lines.length < count) return;
              clearTimeout(timer);
              waiters.delete(check);
              done();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`only ${lines.length} of ${count} lines within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close: () => request.destroy(),
      });
    });
    openRequests.add(request);
    request.once('close', () => openRequests.delete(request));
    request.once('error', reject);
  });
}

export interface JsonAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/** GET `path`, or undefined when nothing answers (yet). */
export async function tryGetText(port: number, path: string): Promise<JsonAnswer | undefined> {
  try {
    return await getText(port, path);
  } catch {
    return undefined;
  }
}

export function getText(port: number, path: string): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // Not JSON (/metrics): the text is what matters.
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text });
      });
    }).once('error', reject);
  });
}

/** A client that sends GET and then never reads: its receive window fills and the server's writes back up. */
export function stalledStream(port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
