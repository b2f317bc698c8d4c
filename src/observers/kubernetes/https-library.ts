import { ResponseContext, type HttpLibrary, type RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { from, type Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { request as httpsRequest, type Agent } from 'node:https';

/**
 * client-node's transport, on node:https instead of its default (undici's fetch, 1.4 MB of bundle for three
 * small requests). The agent carries the cluster CA and keeps the connection alive; `timeoutMs` bounds an
 * idle socket.
 */
export class HttpsLibrary implements HttpLibrary {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(agent: Agent, timeoutMs: number) {
    this.#agent = agent;
    this.#timeoutMs = timeoutMs;
  }

  send(request: RequestContext): Observable<ResponseContext> {
    return from(this.#send(request));
  }

  #send(request: RequestContext): Promise<ResponseContext> {
    return new Promise((resolve, reject) => {
      const body = request.getBody();
      const outgoing = httpsRequest(
        request.getUrl(),
        { method: request.getHttpMethod(), headers: request.getHeaders(), agent: this.#agent, timeout: this.#timeoutMs },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const buffer = Buffer.concat(chunks);
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            resolve(new ResponseContext(incoming.statusCode ?? 0, headers, { text: async () => buffer.toString("utf8"), binary: async () => buffer as Buffer, stream: () => null }));
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`no answer within ${this.#timeoutMs} ms`), { name: 'TimeoutError' })));
      outgoing.on('error', reject);
      if (typeof body === 'string' || Buffer.isBuffer(body)) outgoing.end(body);
      else outgoing.end();
    });
  }
}
