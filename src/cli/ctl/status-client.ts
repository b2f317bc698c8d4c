import { connect } from 'node:net';

/** Where ctl asks for /status: podvisor's own port, on the loopback address when it listens on every address. */
export interface StatusAddress {
  readonly host: string;
  readonly port: number;
}

/** The address to reach podvisor's HTTP port from inside its container, or undefined when the port is off. Pure. */
export function statusAddress(httpHost: string, httpPort: number): StatusAddress | undefined {
  if (httpPort === 0) return undefined;
  const host = httpHost === '' || httpHost === '0.0.0.0' ? '127.0.0.1' : httpHost === '::' || httpHost === '[::]' ? '::1' : httpHost.replace(/^\[(.*)\]$/, '$1');
  return { host, port: httpPort };
}

/** An address as people write it: 127.0.0.1:9464, [::1]:9464. Pure. */
export function shownAddress(address: StatusAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

export type StatusAnswer =
  | { readonly ok: true; readonly body: string }
  /** `refused`: nothing listens (podvisor has exited, or not yet bound its port). */
  | { readonly ok: false; readonly refused: boolean; readonly message: string };

/** /status is a few hundred bytes; more is not podvisor's. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The status and body of a whole HTTP/1.x answer (the server closed the connection after it), or why it is not
 * one. Honours Content-Length when present. Pure.
 */
export function parseHttpAnswer(bytes: Buffer): { readonly ok: true; readonly status: number; readonly body: string } | { readonly ok: false; readonly why: string } {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd === -1) return { ok: false, why: 'the answer ended before its head did' };
  const [statusLine = '', ...headerLines] = bytes.toString('latin1', 0, headEnd).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (match === null) return { ok: false, why: `not an HTTP answer (${JSON.stringify(statusLine.slice(0, 40))})` };
  const lengthLine = headerLines.find((line) => /^content-length:/i.test(line));
  const body = bytes.subarray(headEnd + 4);
  if (lengthLine !== undefined) {
    const length = Number(lengthLine.slice(lengthLine.indexOf(':') + 1).trim());
    if (!Number.isInteger(length) || length < 0) return { ok: false, why: `a bad Content-Length (${JSON.stringify(lengthLine)})` };
    if (body.length < length) return { ok: false, why: `the body ended after ${body.length} of ${length} bytes` };
    return { ok: true, status: Number(match[1]), body: body.toString('utf8', 0, length) };
  }
  return { ok: true, status: Number(match[1]), body: body.toString('utf8') };
}

/**
 * GET /status, bounded in time and size. HTTP/1.0 over node:net, as podvisor's own port is served: node:http
 * would cost ctl ~30 ms of start-up for one request (docs/shutdown.md, "podvisor ctl").
 */
export function fetchStatus(address: StatusAddress, timeoutMs: number): Promise<StatusAnswer> {
  const url = `http://${shownAddress(address)}/status`;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const socket = connect({ host: address.host, port: address.port });
    const timer = setTimeout(() => settle({ ok: false, refused: false, message: `GET ${url}: no answer within ${timeoutMs} ms` }), timeoutMs);
    function settle(answer: StatusAnswer): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    }
    // Not half-closed after the request: podvisor answers an HTTP/1.0 request, then closes.
    socket.on('connect', () => socket.write(`GET /status HTTP/1.0\r\nHost: ${shownAddress(address)}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) settle({ ok: false, refused: false, message: `${shownAddress(address)} answered more than ${MAX_BODY_BYTES} bytes: not podvisor's /status` });
      else chunks.push(chunk);
    });
    socket.on('end', () => {
      const answer = parseHttpAnswer(Buffer.concat(chunks));
      if (!answer.ok) settle({ ok: false, refused: false, message: `GET ${url}: ${answer.why}` });
      else if (answer.status !== 200) settle({ ok: false, refused: false, message: `GET ${url} answered ${answer.status}: ${answer.body.slice(0, 200)}` });
      else settle({ ok: true, body: answer.body });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const refused = error.code === 'ECONNREFUSED';
      settle({ ok: false, refused, message: refused ? `nothing listens on ${shownAddress(address)} (connection refused)` : `GET ${url} failed: ${error.message}` });
    });
  });
}
