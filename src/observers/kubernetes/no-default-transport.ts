// Stands in for @kubernetes/client-node's default transport in podvisor's bundle (scripts/build.mjs maps its
// isomorphic-fetch.js here): that module imports all of undici at load time, and podvisor always passes its own
// transport (https-library.ts), so the default is never constructed.
import type { HttpLibrary, RequestContext, ResponseContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import type { Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js';

export class IsomorphicFetchHttpLibrary implements HttpLibrary {
  send(_request: RequestContext): Observable<ResponseContext> {
    throw new Error('podvisor passes its own transport to the Kubernetes client (src/kubernetes/https-library.ts)');
  }
}
