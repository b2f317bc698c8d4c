/** The paths of podvisor's HTTP port (docs/http-and-metrics.md). Nothing on it changes anything. */
export const ENDPOINTS = ['/metrics', '/healthz', '/readyz', '/status'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** Every endpoint answers these methods; HEAD as GET without a body. */
export const ALLOWED_METHODS = ['GET', 'HEAD'] as const;

export type Route =
  | { readonly kind: 'endpoint'; readonly endpoint: Endpoint; readonly withBody: boolean }
  | { readonly kind: 'method_not_allowed' }
  | { readonly kind: 'not_found' };

/** Which answer a request gets, from its method and request target alone (the query string is ignored). */
export function routeRequest(method: string | undefined, target: string | undefined): Route {
  const path = (target ?? '').split('?', 1)[0] as string;
  const endpoint = (ENDPOINTS as readonly string[]).includes(path) ? (path as Endpoint) : undefined;
  if (endpoint === undefined) return { kind: 'not_found' };
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'method_not_allowed' };
  return { kind: 'endpoint', endpoint, withBody: method === 'GET' };
}

/**
 * Whether the scraper asked for OpenMetrics: Prometheus sends
 * `Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`.
 * The OpenMetrics offer wins when its quality is at least that of the plain-text one.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let openMetrics = -1;
  let text = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const qualityParameter = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = qualityParameter === undefined ? 1 : Number(qualityParameter.slice(2));
    if (Number.isNaN(quality)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, quality);
    else if (type === 'text/plain') text = Math.max(text, quality);
  }
  return openMetrics > 0 && openMetrics >= text;
}
