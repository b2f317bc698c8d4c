import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { eventually, message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

describe("output: podvisor's own lines and the server's lines on one stderr", () => {
  const running: RunningPodvisor[] = [];
  after(async () => {
    await stopAll(running);
  });

  it('a server that ends mid-line: its bytes pass unchanged, then one newline, then podvisor\'s line', async () => {
    const podvisor = startPodvisor({ command: ['sh', '-c', 'printf "line one\\nno newline at the end" >&2; printf "stdout also ends mid-line"'] });
    running.push(podvisor);
    assert.equal(await podvisor.exited(), 0);
    assert.equal(podvisor.stdout(), 'stdout also ends mid-line', 'stdout: nothing added when nothing follows');
    const serverPart = podvisor.stderr().split('\n').filter((line) => !line.startsWith('{"level"'));
    assert.deepEqual(serverPart.slice(0, 2), ['line one', 'no newline at the end']);
    // podvisor's next line ("podvisor exiting" at the latest: it waits for the server's output first).
    assert.match(podvisor.stderr(), /no newline at the end\n\{"level":\d+,[^\n]*"name":"podvisor"/);
  });

  it('a server stalled mid-line: podvisor waits 1 s for the line to end, then ends it and writes its own', async () => {
    // The status line (every second) is a line of podvisor's that comes while the server is mid-line.
    const podvisor = startPodvisor({ command: ['sh', '-c', 'sleep 0.5; printf "Password: " >&2; sleep 3; printf "typed\\n" >&2'], env: { PODVISOR_STATUS_INTERVAL_SECONDS: '1' } });
    running.push(podvisor);
    assert.equal(await podvisor.exited(), 0);
    assert.match(podvisor.stderr(), /\nPassword: \n\{"level":[^\n]*"msg":"status"[^\n]*\n(\{[^\n]*\n)*typed\n/);
    assert.equal(podvisor.stderr().includes('Password: typed'), false);
  });

  it('PODVISOR_RESTART_ON_LOG=off with no metrics port: the server writes to podvisor\'s own stdout and stderr (zero cost)', async () => {
    const podvisor = startPodvisor({ command: ['sh', '-c', 'echo $$; exec sleep 30'], env: { PODVISOR_RESTART_ON_LOG: 'off', PODVISOR_HTTP_PORT: '0' } });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    await eventually(() => podvisor.stdout().endsWith('\n'), 'the server printing its pid');
    const serverPid = Number(podvisor.stdout().trim());
    for (const fd of [1, 2]) assert.equal(readlinkSync(`/proc/${serverPid}/fd/${fd}`), readlinkSync(`/proc/${podvisor.pid}/fd/${fd}`), `fd ${fd} is podvisor's own`);
    podvisor.signal('SIGTERM');
    await podvisor.exited();
  });

  it('with the rule on, the server writes into a pipe podvisor reads', async () => {
    const podvisor = startPodvisor({ command: ['sh', '-c', 'echo $$; exec sleep 30'] });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    await eventually(() => podvisor.stdout().endsWith('\n'), 'the server printing its pid');
    const serverPid = Number(podvisor.stdout().trim());
    assert.notEqual(readlinkSync(`/proc/${serverPid}/fd/1`), readlinkSync(`/proc/${podvisor.pid}/fd/1`));
    podvisor.signal('SIGTERM');
    await podvisor.exited();
  });
});
