// A fatal line restarts the server only when the fault is confirmed (docs/output.md, "Confirmation"): the server
// exits on its own, or stops accepting connections on a port it listened on (or its configured health check fails),
// within PODVISOR_FATAL_CONFIRM_SECONDS. Otherwise the server serves on and the line is counted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, freePort, message, NODE, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const running: RunningPodvisor[] = [];
after(() => stopAll(running));

async function start(then: string, env: Record<string, string> = {}): Promise<RunningPodvisor> {
  const port = await freePort();
  const podvisor = startPodvisor({
    command: [NODE, join(FIXTURES, 'fatal-then.mjs')],
    env: { PORT: String(port), FATAL_THEN: then, PODVISOR_FATAL_CONFIRM_SECONDS: '3', PODVISOR_RESTART_DELAY_MS: '20000', ...env },
  });
  running.push(podvisor);
  return podvisor;
}

describe('confirming a fatal line', () => {
  it('a server that serves on after a FATAL line (one client\'s failed login) is not restarted', async () => {
    const podvisor = await start('serve');
    await podvisor.waitForLog(message('the server reported a fatal error'));
    const dismissed = await podvisor.waitForLog(message('the fatal line was not confirmed: the server serves on'));
    assert.match(String(dismissed['line']), /password authentication failed/);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 0);
    assert.ok(podvisor.logs.some((line) => line.msg === 'state changed' && line['from'] === 'fatal_error' && line['to'] === 'running'));
  });

  it('a server that exits after its FATAL line: confirmed by its exit, restarted with reason fatal_log and its own exit status recorded', async () => {
    const podvisor = await start('exit');
    const restart = await podvisor.waitForLog(message('restarting the server'));
    assert.equal(restart['reason'], 'fatal_log');
    assert.match(String(restart['cause']), /^fatal_log \(exit code 1\): FATAL: the storage is gone$/);
    assert.ok(podvisor.logs.some(message('server ended (exit code 1)', { stoppedBy: 'none' })));
    assert.ok(podvisor.logs.some(message('the fatal line is confirmed: restarting the server', { by: 'exit' })));
  });

  it('a server that stops accepting connections after its FATAL line: confirmed by its port, stopped and restarted', async () => {
    // It closes its listener in the same moment it logs the line: podvisor knows the port from looking earlier.
    const podvisor = await start('close', { FATAL_AFTER_MS: '1500' });
    const confirmed = await podvisor.waitForLog(message('the fatal line is confirmed: restarting the server'));
    assert.equal(confirmed['by'], 'health_check');
    const restart = await podvisor.waitForLog(message('restarting the server'));
    assert.equal(restart['reason'], 'fatal_log');
    assert.match(String(restart['cause']), /^fatal_log \((exit code 0, after podvisor's SIGTERM|signal SIGTERM, sent by podvisor)\): FATAL: the storage is gone$/);
  });

  it('PODVISOR_FATAL_CONFIRM_SECONDS=0: the line alone restarts the server, as the rule did before', async () => {
    const podvisor = await start('serve', { PODVISOR_FATAL_CONFIRM_SECONDS: '0' });
    const confirmed = await podvisor.waitForLog(message('the fatal line is confirmed: restarting the server'));
    assert.equal(confirmed['by'], 'no_wait');
    assert.equal((await podvisor.waitForLog(message('restarting the server')))['reason'], 'fatal_log');
  });
});
