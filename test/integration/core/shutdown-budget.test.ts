// The grace budget (docs/shutdown.md, "The grace budget"): a real podvisor warns at start when the shutdown delay,
// the drain and the kill grace do not fit the termination grace period it was given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { message, startPodvisor } from '../../helpers/podvisor-process.ts';

const WARNING = "shutdown delay + drain + kill grace do not fit the pod's termination grace period: the kubelet would SIGKILL before the drain ends (docs/shutdown.md)";

async function logsOf(env: Readonly<Record<string, string>>) {
  const podvisor = startPodvisor({ command: ['true'], env: { PODVISOR_DRAIN_SECONDS: '5', PODVISOR_KILL_GRACE_MS: '1000', PODVISOR_SHUTDOWN_DELAY_SECONDS: '5', ...env } });
  assert.equal(await podvisor.exited(), 0);
  return podvisor.logs;
}

describe('the grace budget, checked at start', () => {
  it('5 s delay + 5 s drain + 1 s kill grace against a 10 s grace period: one warning, before the server starts', async () => {
    const logs = await logsOf({ PODVISOR_TERMINATION_GRACE_SECONDS: '10' });
    const warnings = logs.filter(message(WARNING));
    assert.equal(warnings.length, 1);
    assert.deepEqual([warnings[0]?.level, warnings[0]?.['needSeconds'], warnings[0]?.['graceSeconds']], [40, 11, 10]);
    assert.ok(logs.indexOf(warnings[0] as (typeof logs)[number]) < logs.findIndex(message('server started')), 'warned at start');
  });

  it('the same against the 11 s it needs, or with no grace period given: no warning', async () => {
    assert.deepEqual((await logsOf({ PODVISOR_TERMINATION_GRACE_SECONDS: '11' })).filter(message(WARNING)), []);
    assert.deepEqual((await logsOf({})).filter(message(WARNING)), []);
  });

  it('given as a flag, with a fractional drain', async () => {
    const podvisor = startPodvisor({ args: ['--termination-grace-seconds', '2'], command: ['true'], env: { PODVISOR_SHUTDOWN_DELAY_SECONDS: '0', PODVISOR_DRAIN_SECONDS: '1.5', PODVISOR_KILL_GRACE_MS: '600' } });
    assert.equal(await podvisor.exited(), 0);
    const warning = podvisor.logs.find(message(WARNING));
    assert.deepEqual([warning?.['needSeconds'], warning?.['graceSeconds']], [2.1, 2]);
  });
});
