/** The reason phrases of the statuses the port answers (node:http's table would load node:http for six words). */
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Response {
  readonly status: number;
  readonly contentType: string;
  /** The body's bytes (always computed: HEAD announces the length of the GET body). */
  readonly body: Buffer;
  /** Extra header lines, e.g. Allow. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Framing {
  /** Keep the connection open after this answer (else `Connection: close`). */
  readonly keepAlive: boolean;
  /** Advertised in `Keep-Alive: timeout=N` so that clients close an idle connection before podvisor does. */
  readonly keepAliveSeconds: number;
  /** The Date header's value. */
  readonly date: string;
}

/**
 * The status line and headers of one HTTP/1.1 answer, up to the blank line. The body is written after it as its
 * own buffer (one writev), so that one rendering of /metrics is never copied per scraper. Pure.
 */
export function responseHead(response: Response, framing: Framing): Buffer {
  const lines = [
    `HTTP/1.1 ${response.status} ${REASONS[response.status] ?? 'Unknown'}`,
    `Content-Type: ${response.contentType}`,
    'Cache-Control: no-store',
    `Content-Length: ${response.body.length}`,
    `Date: ${framing.date}`,
    ...Object.entries(response.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    framing.keepAlive ? 'Connection: keep-alive' : 'Connection: close',
    ...(framing.keepAlive ? [`Keep-Alive: timeout=${framing.keepAliveSeconds}`] : []),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
