import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverEnvironment } from '../../../src/cli/main.ts';

describe('the server environment', () => {
  it('inherits podvisor’s environment and adds the drain deadline the kit plans by', () => {
    assert.deepEqual(serverEnvironment({ HOME: '/root', PODVISOR_DRAIN_SECONDS: '9' }, { drainSeconds: 2.5, killGraceMs: 700 }), { HOME: '/root', PODVISOR_DRAIN_SECONDS: '2.5', PODVISOR_KILL_GRACE_MS: '700' });
  });

  it('leaves out the MALLOC_ARENA_MAX that bin/podvisor chose for podvisor alone', () => {
    const environment = { HOME: '/root', MALLOC_ARENA_MAX: '2', __PODVISOR_DEFAULT_MALLOC_ARENA_MAX: '1' };
    assert.deepEqual(serverEnvironment(environment, { drainSeconds: 5, killGraceMs: 1000 }), { HOME: '/root', PODVISOR_DRAIN_SECONDS: '5', PODVISOR_KILL_GRACE_MS: '1000' });
  });

  it('passes on a MALLOC_ARENA_MAX the operator set', () => {
    assert.deepEqual(serverEnvironment({ MALLOC_ARENA_MAX: '4' }, { drainSeconds: 5, killGraceMs: 1000 }), { MALLOC_ARENA_MAX: '4', PODVISOR_DRAIN_SECONDS: '5', PODVISOR_KILL_GRACE_MS: '1000' });
  });
});
