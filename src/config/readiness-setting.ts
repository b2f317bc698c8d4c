/** PODVISOR_READINESS (docs/supervision.md, "Readiness"): when a spawned server counts as `running`. */
export type ReadinessCheck =
  /** The kit reports readiness when it says hello; any other server is running once spawned. */
  | { readonly kind: 'auto' }
  /** Wait for the kit's report (the reference server, or your own server built on the kit). */
  | { readonly kind: 'kit' }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'http'; readonly url: URL };

export function parseReadiness(text: string): ReadinessCheck {
  if (text === 'auto' || text === 'kit') return { kind: text };
  if (text.startsWith('tcp:')) {
    const target = text.slice('tcp:'.length);
    const separator = target.lastIndexOf(':');
    const hostText = separator === -1 ? '127.0.0.1' : target.slice(0, separator);
    const portText = separator === -1 ? target : target.slice(separator + 1);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new Error('the port must be 1–65535');
    // An IPv6 address is written in brackets, as in a URL (tcp:[::1]:8080); the connection wants it without.
    const bracketed = /^\[(.*)\]$/.exec(hostText);
    const host = bracketed === null ? hostText : (bracketed[1] ?? '');
    if (host === '') throw new Error('the host is empty');
    if (bracketed === null && host.includes(':')) throw new Error('an IPv6 address goes in brackets: tcp:[::1]:PORT');
    return { kind: 'tcp', host, port };
  }
  if (text.startsWith('http:')) {
    const rest = text.slice('http:'.length);
    // Both `http:http://host/path` and the short `http://host/path` (which also starts with "http:") work.
    const candidate = rest.startsWith('//') ? text : rest;
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      throw new Error('the URL does not parse');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('the URL must be http or https');
    // fetch() refuses a URL with credentials in it: every probe would fail, and the server be restarted for good.
    if (url.username !== '' || url.password !== '') throw new Error('the URL must not hold credentials (user:password@), which the probe cannot send');
    return { kind: 'http', url };
  }
  throw new Error('unknown readiness check');
}
