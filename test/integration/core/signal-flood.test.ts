// A flood of signals sent to podvisor (field: two processes sending SIGUSR2 as fast as they can). libuv writes each
// signal into a pipe and drops it when the pipe is full; a dropped SIGCHLD left the server a zombie nobody reaped,
// and podvisor waited for its exit forever (SIGTERM too, since a shutdown waits for that exit). Each trial: a
// server that ignores SIGUSR2 and exits 0 after 1.2 s, podvisor flooded for 3 s from its start; it must exit 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const running: RunningPodvisor[] = [];
after(() => stopAll(running));

/** Sends `signal` to `pid` in a tight loop for `seconds` (a process of its own, as an attacker would). */
function flood(pid: number, signal: number, seconds: number): Promise<void> {
  const script = 'import os, sys, time\npid, signal, end = int(sys.argv[1]), int(sys.argv[2]), time.time() + float(sys.argv[3])\nwhile time.time() < end:\n    try:\n        os.kill(pid, signal)\n    except ProcessLookupError:\n        break\n';
  const child = spawn('python3', ['-c', script, String(pid), String(signal), String(seconds)], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('a flood of signals sent to podvisor', () => {
  const TRIALS = 4;
  it(`never loses the server's exit: ${TRIALS} trials, each ends with the server's exit 0 within seconds of the flood`, { timeout: 120_000 }, async () => {
    const outcomes: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const podvisor = startPodvisor({ command: ['sh', '-c', "trap '' USR2; sleep 1.2; exit 0"], env: { PODVISOR_LOG_LEVEL: 'error' } });
      running.push(podvisor);
      await Promise.all([flood(podvisor.pid, 12, 3), flood(podvisor.pid, 12, 3)]);
      const status = await podvisor.exited(8000).catch(() => 'still running 8 s after the flood');
      outcomes.push(String(status));
    }
    assert.deepEqual(outcomes, Array(TRIALS).fill('0'));
  });
});
