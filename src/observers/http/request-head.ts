/**
 * The head of one HTTP/1.x request, as podvisor's port needs it: the method, the target and the few headers that
 * change the answer. podvisor reads no request bodies, so a request that announces one is answered and the
 * connection closed; nothing after a head is ever taken as the start of the next request unless the head said
 * there is no body.
 */
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  /** The Accept header (for OpenMetrics), if any. */
  readonly accept: string | undefined;
  /** The client asked to keep the connection open (HTTP/1.1 without `Connection: close`). */
  readonly keepAlive: boolean;
  /** The request announces a body (Content-Length other than 0, or Transfer-Encoding). */
  readonly hasBody: boolean;
  /** Bytes of the head, up to and including the blank line that ends it. */
  readonly length: number;
}

export type HeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'bad'; readonly why: string }
  | { readonly kind: 'request'; readonly head: RequestHead };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether `text` holds a control character (tab allowed where `allowTab`) or DEL. */
function hasControlCharacter(text: string, allowTab: boolean): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && !(allowTab && code === 0x09)) || code === 0x7f) return true;
  }
  return false;
}
const LINE_FEED = 0x0a;

/**
 * Where the head that starts `bytes` ends (the index just past its blank line), or -1. A line may end in CRLF or a
 * bare LF (a person typing into nc); a blank line is either.
 */
export function headEnd(bytes: Uint8Array, limit: number): number {
  const end = Math.min(bytes.length, limit);
  for (let index = bytes.indexOf(LINE_FEED); index !== -1 && index < end; index = bytes.indexOf(LINE_FEED, index + 1)) {
    const next = bytes[index + 1];
    if (next === LINE_FEED) return index + 2;
    if (next === 0x0d && bytes[index + 2] === LINE_FEED) return index + 3;
  }
  return -1;
}

/**
 * Parses the request head at the start of `bytes` (what a connection has sent and podvisor has not used yet).
 * `maxHeadBytes` bounds the head: beyond it the answer is 431. Pure.
 */
export function parseRequestHead(bytes: Uint8Array, maxHeadBytes: number): HeadResult {
  const end = headEnd(bytes, maxHeadBytes);
  if (end === -1) return bytes.length >= maxHeadBytes ? { kind: 'too_large' } : { kind: 'incomplete' };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  // The blank line that ends the head, and the empty string after its line feed.
  lines.splice(-2, 2);
  const requestLine = lines.shift() ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return { kind: 'bad', why: 'the request line is not METHOD TARGET HTTP/1.x' };
  const [method, target, protocol] = parts as [string, string, string];
  if (!TOKEN.test(method)) return { kind: 'bad', why: 'the method is not a token' };
  if (target === '' || hasControlCharacter(target, false)) return { kind: 'bad', why: 'the target is empty or holds control characters' };
  if (protocol !== 'HTTP/1.1' && protocol !== 'HTTP/1.0') return { kind: 'bad', why: 'only HTTP/1.0 and HTTP/1.1 are spoken here' };
  const version = protocol === 'HTTP/1.1' ? '1.1' : '1.0';

  let accept: string | undefined;
  let host = false;
  let connection = '';
  let contentLength: string | undefined;
  let transferEncoding = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    // A line that starts with white space continues the previous one (obs-fold), which RFC 9112 forbids.
    if (colon <= 0 || line.startsWith(' ') || line.startsWith('\t')) return { kind: 'bad', why: 'a header line is not NAME: VALUE' };
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return { kind: 'bad', why: 'a header name is not a token' };
    const value = line.slice(colon + 1).trim();
    if (hasControlCharacter(value, true)) return { kind: 'bad', why: 'a header value holds control characters' };
    switch (name.toLowerCase()) {
      case 'accept':
        accept = accept === undefined ? value : `${accept},${value}`;
        break;
      case 'host':
        if (host) return { kind: 'bad', why: 'more than one Host header' };
        host = true;
        break;
      case 'connection':
        connection = `${connection},${value.toLowerCase()}`;
        break;
      case 'content-length':
        if (!/^\d{1,15}$/.test(value) || (contentLength !== undefined && contentLength !== value)) return { kind: 'bad', why: 'Content-Length is not one whole number' };
        contentLength = value;
        break;
      case 'transfer-encoding':
        transferEncoding = true;
        break;
    }
  }
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
  if (version === '1.1' && !host) return { kind: 'bad', why: 'an HTTP/1.1 request needs a Host header' };
  if (transferEncoding && contentLength !== undefined) return { kind: 'bad', why: 'both Content-Length and Transfer-Encoding' };
  const tokens = connection.split(',').map((token) => token.trim());
  const keepAlive = version === '1.1' && !tokens.includes('close');
  const hasBody = transferEncoding || (contentLength !== undefined && Number(contentLength) > 0);
  return { kind: 'request', head: { method, target, version, accept, keepAlive, hasBody, length: end } };
}
