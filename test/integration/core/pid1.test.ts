import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { catches, startAsPid1 } from '../../helpers/pid1.ts';
import { delay, FIXTURES, message, startPodvisor } from '../../helpers/podvisor-process.ts';

/** `unshare --pid --fork --mount-proc` runs podvisor as PID 1 of a fresh PID namespace: a cheap container. */
const AS_PID_1 = ['unshare', '--pid', '--fork', '--mount-proc'];
const orphans = join(FIXTURES, 'make-orphans.sh');

function zombiesUnder(pid: number): string[] {
  const output = execFileSync('ps', ['-o', 'pid=,stat=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  return output === '' ? [] : output.split('\n').filter((line) => / Z/.test(line));
}

describe('PID 1 duties: reaping orphans', () => {
  it('as PID 1: every orphan is reaped and the server exit status is still seen', async () => {
    const podvisor = startPodvisor({
      wrapper: AS_PID_1,
      command: [orphans, '50', '7'],
      env: { PODVISOR_RESTART_POLICY: 'never' },
    });
    const started = await podvisor.waitForLog(message('server started'));
    assert.equal(started['pid'], 1, 'podvisor runs as PID 1');
    assert.equal(await podvisor.exited(), 7);
    assert.equal(podvisor.logs.filter(message('orphan reaped')).length, 50);
    assert.ok(podvisor.logs.some(message('server ended (exit code 7)')));
  });

  it('as a child subreaper outside a container: orphans come to podvisor and are reaped', async () => {
    const podvisor = startPodvisor({ command: [orphans, '20', '0', '3'] });
    await podvisor.waitForLogs(message('orphan reaped'), 20, 10000);
    assert.deepEqual(zombiesUnder(podvisor.pid), []);
    assert.equal(await podvisor.exited(), 0);
  });

  it('as PID 1: SIGTERM still works (PID 1 ignores it without a handler)', async () => {
    const podvisor = startPodvisor({ wrapper: AS_PID_1, command: ['sleep', '30'] });
    await podvisor.waitForLog(message('server started'));
    // unshare forwards nothing, so signal podvisor itself: it is the only child of unshare's fork.
    const pid1 = Number(execFileSync('pgrep', ['-P', String(podvisor.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(pid1, 'SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});

describe("PID 1: a SIGTERM in podvisor's first milliseconds", () => {
  // From the moment podvisor's handlers exist no SIGTERM may be lost: before the server is spawned, while it is
  // spawned, while the observers load. What comes before that moment is Node's own start-up, measured in bench/
  // (the deaf window, docs/supervision.md). Node catches SIGTERM itself from its start (to reset the terminal, then
  // die of it: as PID 1, to lose it), so SigCgt's SIGTERM bit says nothing; SIGALRM, the last signal podvisor's
  // first statement handles, is one Node leaves alone.
  for (const afterMs of [0, 1, 2, 5, 10, 20, 40, 80, 150]) {
    it(`a SIGTERM ${afterMs} ms after the handler exists ends podvisor and its server`, async () => {
      const podvisor = await startAsPid1({ command: ['sleep', '1000'], env: { PODVISOR_HTTP_PORT: '0' } });
      try {
        while (!catches(podvisor.pid1, 'SIGALRM')) await delay(0);
        await delay(afterMs);
        process.kill(podvisor.pid1, 'SIGTERM');
        assert.equal(await podvisor.exited(10_000), 0);
      } finally {
        podvisor.kill();
      }
    });
  }
});
