import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually, message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const EVIL_LINE = `${'a'.repeat(40)}!`;

describe('output: the regex rule cannot stall supervision', () => {
  const running: RunningPodvisor[] = [];
  after(async () => {
    await stopAll(running);
  });

  it("regex:(a+)+$ and a line of 40 'a' plus '!': the line passes, the exit is handled, SIGTERM is acted on", async () => {
    // A backtracking engine takes ~2^40 steps on this line: podvisor would never read another byte or signal.
    const podvisor = startPodvisor({
      command: ['sh', '-c', `echo '${EVIL_LINE}'; echo '${'a'.repeat(30)}'; exit 3`],
      env: { PODVISOR_RESTART_ON_LOG: 'regex:(a+)+$', PODVISOR_RESTART_DELAY_MS: '100', PODVISOR_START_LIMIT_BURST: '0' },
    });
    running.push(podvisor);
    await eventually(() => podvisor.stdout().includes(`${EVIL_LINE}\n`), 'the line passed through', 5000);
    // The second line (all 'a') matches: the rule still works.
    const fatal = await podvisor.waitForLog(message('the server reported a fatal error'), 5000);
    assert.equal(fatal.line, 'a'.repeat(30));
    await podvisor.waitForLogs(message('server started'), 2, 5000);
    podvisor.signal('SIGTERM');
    assert.ok([0, 3].includes(await podvisor.exited(5000)));
  });

  it('a pattern RE2 refuses (a backreference, a lookahead) is a configuration error: exit 2 naming the setting, the pattern and why', async () => {
    for (const pattern of ['(a)\\1', 'fatal(?=!)']) {
      const podvisor = startPodvisor({ command: ['sleep', '30'], env: { PODVISOR_RESTART_ON_LOG: `regex:${pattern}` } });
      running.push(podvisor);
      assert.equal(await podvisor.exited(5000), 2, pattern);
      const report = podvisor.logs.find((line) => line.msg.startsWith('bad configuration'));
      const said = String((report?.['errors'] as string[] | undefined)?.join('\n'));
      assert.ok(said.startsWith(`PODVISOR_RESTART_ON_LOG=${JSON.stringify(`regex:${pattern}`)} is not valid`), podvisor.stderr());
      assert.match(said, /RE2 syntax \(no backreferences/);
    }
  });
});
