import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { delay, FIXTURES, message, NODE, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';
import { join } from 'node:path';

const PINO_SERVER = [NODE, join(FIXTURES, 'output-pino-server.ts')];
const FATAL_REPORTED = message('the server reported a fatal error');
const RESTARTED_FOR_LOG = message('restarting the server', { reason: 'fatal_log' });
/** These servers neither listen nor exit: with no wait for confirmation the line alone restarts them (docs/output.md). */
const LINE_ALONE = { PODVISOR_FATAL_CONFIRM_SECONDS: '0' };
const STARTED = message('server started');

describe('output: the error-log rule on real servers', () => {
  const running: RunningPodvisor[] = [];
  after(async () => {
    await stopAll(running);
  });

  it('a pino server: look-alikes in every format do not trigger; a pino fatal line restarts it with reason fatal_log', async () => {
    const podvisor = startPodvisor({ command: PINO_SERVER, env: LINE_ALONE });
    running.push(podvisor);
    await podvisor.waitForLog(STARTED);
    await waitForOutput(podvisor, 'look-alikes done');
    // Time for any (wrong) fatal report to surface before asserting there is none.
    await delay(500);
    assert.equal(podvisor.logs.filter(FATAL_REPORTED).length, 0, `look-alikes triggered the rule:\n${podvisor.logs.filter(FATAL_REPORTED).map((line) => String(line.line)).join('\n')}`);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 0);
    // Every look-alike passed through on both streams.
    assert.ok(podvisor.stdout().includes('INFO:root:CRITICAL failure avoided\n'));
    assert.ok(podvisor.stderr().includes('\nINFO:root:CRITICAL failure avoided\n'));

    podvisor.signal('SIGUSR1');
    const fatal = await podvisor.waitForLog(FATAL_REPORTED);
    assert.equal(fatal.source, 'log');
    assert.equal(fatal.stream, 'stdout');
    assert.match(String(fatal.line), /"level":60.*database connection lost/);
    await podvisor.waitForLog(RESTARTED_FOR_LOG);
    await podvisor.waitForLogs(STARTED, 2);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('a burst of 200 fatal lines restarts the server once, not once per line', async () => {
    const podvisor = startPodvisor({ command: PINO_SERVER, env: LINE_ALONE });
    running.push(podvisor);
    await podvisor.waitForLog(STARTED);
    await waitForOutput(podvisor, 'look-alikes done');
    podvisor.signal('SIGUSR2');
    await podvisor.waitForLog(RESTARTED_FOR_LOG);
    await podvisor.waitForLogs(STARTED, 2);
    await waitForOutput(podvisor, 'look-alikes done', 2);
    // Time for a second (wrong) restart to show.
    await delay(1000);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 1);
    assert.equal(podvisor.logs.filter(FATAL_REPORTED).length, 1);
    assert.equal(podvisor.logs.filter(STARTED).length, 2);
    // Every line of the burst passed through, though only the first counted.
    assert.equal(podvisor.stderr().split('\n').filter((line) => line.includes('burst') && !line.includes('"name":"podvisor"')).length, 200);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('PODVISOR_RESTART_ON_LOG=error restarts on an error line; regex: on a matching line of any level', async () => {
    const errorRule = startPodvisor({ command: ['sh', '-c', 'echo "level=info msg=ok"; sleep 0.2; echo "ERROR: disk full"; exec sleep 60'], env: { ...LINE_ALONE, PODVISOR_RESTART_ON_LOG: 'error', PODVISOR_RESTART_DELAY_MS: '20000' } });
    running.push(errorRule);
    const reported = await errorRule.waitForLog(FATAL_REPORTED);
    assert.equal(reported.line, 'ERROR: disk full');
    await errorRule.waitForLog(RESTARTED_FOR_LOG);
    errorRule.signal('SIGTERM');
    assert.equal(await errorRule.exited(), 0);

    const regexRule = startPodvisor({ command: ['sh', '-c', 'echo "INFO fine"; echo "java.lang.OutOfMemoryError: Java heap space" >&2; exec sleep 60'], env: { ...LINE_ALONE, PODVISOR_RESTART_ON_LOG: 'regex:OutOfMemoryError', PODVISOR_RESTART_DELAY_MS: '20000' } });
    running.push(regexRule);
    const matched = await regexRule.waitForLog(FATAL_REPORTED);
    assert.equal(matched.stream, 'stderr');
    assert.equal(matched.line, 'java.lang.OutOfMemoryError: Java heap space');
    await regexRule.waitForLog(RESTARTED_FOR_LOG);
    regexRule.signal('SIGTERM');
    assert.equal(await regexRule.exited(), 0);
  });
});

/** Waits until `text` has appeared `count` times on podvisor's stdout. */
async function waitForOutput(podvisor: RunningPodvisor, text: string, count = 1, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (podvisor.stdout().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} ×${count} on stdout:\n${podvisor.stdout()}`);
    await delay(20);
  }
}
