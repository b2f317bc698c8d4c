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
    const host = separator === -1 ? '127.0.0.1' : target.slice(0, separator);
    const portText = separator === -1 ? target : target.slice(separator + 1);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new Error('the port must be 1–65535');
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
    return { kind: 'http', url };
  }
  throw new Error('unknown readiness check');
}
