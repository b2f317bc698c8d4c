import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeRequest, wantsOpenMetrics } from '../../../../src/observers/http/routes.ts';

describe('routeRequest', () => {
  const cases: ReadonlyArray<[string | undefined, string | undefined, ReturnType<typeof routeRequest>]> = [
    ['GET', '/metrics', { kind: 'endpoint', endpoint: '/metrics', withBody: true }],
    ['HEAD', '/readyz', { kind: 'endpoint', endpoint: '/readyz', withBody: false }],
    ['GET', '/healthz?verbose=1', { kind: 'endpoint', endpoint: '/healthz', withBody: true }],
    ['GET', '/status', { kind: 'endpoint', endpoint: '/status', withBody: true }],
    ['POST', '/metrics', { kind: 'method_not_allowed' }],
    ['DELETE', '/status', { kind: 'method_not_allowed' }],
    ['GET', '/', { kind: 'not_found' }],
    ['GET', '/metrics/', { kind: 'not_found' }],
    ['POST', '/nothing', { kind: 'not_found' }],
    ['GET', undefined, { kind: 'not_found' }],
    [undefined, '/metrics', { kind: 'method_not_allowed' }],
  ];
  for (const [method, target, expected] of cases) {
    it(`${method ?? '(none)'} ${target ?? '(none)'} → ${expected.kind}`, () => assert.deepEqual(routeRequest(method, target), expected));
  }
});

describe('wantsOpenMetrics', () => {
  const cases: ReadonlyArray<[string | undefined, boolean]> = [
    [undefined, false],
    ['*/*', false],
    ['text/plain', false],
    // What Prometheus 2.x sends by default.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', true],
    ['application/openmetrics-text; version=1.0.0', true],
    ['text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5', false],
    ['application/openmetrics-text;q=0', false],
    ['Application/OpenMetrics-Text', true],
  ];
  for (const [accept, expected] of cases) {
    it(`${accept ?? '(no Accept)'} → ${expected ? 'OpenMetrics' : 'text 0.0.4'}`, () => assert.equal(wantsOpenMetrics(accept), expected));
  }
});
