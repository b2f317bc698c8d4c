// Once, during a crash loop, podvisor died of the SIGTERM it was sent (status -15). Whatever moment a SIGTERM lands
// in — start-up, a restart, the back-off, the exit after giving up — podvisor acts on it and exits with a status of
// its own, never killed by it (docs/supervision.md, "Signals in the first milliseconds").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { catches, startAsPid1 } from '../helpers/pid1.ts';
import { message, startPodvisor } from '../helpers/podvisor-process.ts';
import { LONG } from './proc.ts';

const TRIALS = LONG ? 400 : 60;
const KILLED_BY_SIGTERM = 128 + 15;

describe(`a SIGTERM at any moment of a crash loop (${TRIALS} trials, as PID 1 and not)`, { timeout: TRIALS * 3000 + 60_000 }, () => {
  it('never kills podvisor; it exits 0 (shut down), 1 when it gave up first, or the status of a server that was exiting anyway', async () => {
    const outcomes = new Map<number, number>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const env = { PODVISOR_RESTART_DELAY_MS: '0', PODVISOR_START_LIMIT_BURST: '3', PODVISOR_LOG_LEVEL: 'info' };
      const command = ['sh', '-c', 'sleep 0.02; exit 3'];
      const asPid1 = trial % 2 === 1;
      const podvisor = asPid1 ? await startAsPid1({ command, env }) : startPodvisor({ command, env });
      const target = asPid1 ? (podvisor as Awaited<ReturnType<typeof startAsPid1>>).pid1 : podvisor.pid;
      try {
        // From the moment its handlers exist (before that is Node's own start-up: the deaf window, measured in bench/),
        // spread over podvisor's whole life: start-up, restarts, giving up and its exit (about 150–250 ms).
        while (!catches(target, 'SIGALRM') && podvisor.child.exitCode === null) await delay(0);
        await delay(Math.floor(Math.random() * 300));
        try {
          process.kill(target, 'SIGTERM');
        } catch {
          // Already gone: it gave up and exited before the signal.
        }
        const status = await podvisor.exited(15_000);
        outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
        assert.notEqual(status, KILLED_BY_SIGTERM, `trial ${trial}: podvisor died of the SIGTERM: ${podvisor.stderr().slice(-1500)}`);
        // 3: the SIGTERM met a server already exiting 3 on its own, whose status a shutdown passes on.
        assert.ok(status === 0 || status === 1 || status === 3, `trial ${trial}: status ${status}`);
        if (status === 1) assert.ok(podvisor.logs.some(message('start limit reached: giving up')));
      } finally {
        podvisor.kill();
      }
    }
    process.stderr.write(`SIGTERM at any moment: outcomes ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  });
});
