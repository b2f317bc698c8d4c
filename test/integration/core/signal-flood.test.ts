// A flood of signals sent to podvisor (field: two processes sending SIGUSR2 as fast as they can). libuv writes each
// signal into a pipe and drops it when the pipe is full; a dropped SIGCHLD left the server a zombie nobody reaped,
// and podvisor waited for its exit forever (SIGTERM too, since a shutdown waits for that exit). Each trial: a
// server that ignores SIGUSR2 and exits 0 after 1.2 s, podvisor flooded for 3 s from its start; it must exit 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const running: RunningPodvisor[] = [];
const dir = mkdtempSync(join(tmpdir(), 'podvisor-signal-flood-'));
after(async () => {
  await stopAll(running);
  rmSync(dir, { recursive: true, force: true });
});

/** The highest VmRSS of `pid` (MB) while `during` runs, sampled every 20 ms. */
async function peakRssDuring(pid: number, during: Promise<unknown>): Promise<number> {
  let peak = 0;
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    try {
      const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kib / 1024);
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await during;
  return peak;
}

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

  it('SIGHUP flooded with a prefs file: one read at a time, memory bounded, restarts on time, SIGTERM acted on', { timeout: 60_000 }, async () => {
    // Field: every SIGHUP began its own read of the file (an open file and a 64 KiB buffer each): 1.4 GB, EMFILE,
    // no restart for 7 s, SIGTERM not acted on within 3 s.
    const prefs = join(dir, 'prefs.json');
    writeFileSync(prefs, '{"autoRestart": true}\n');
    const podvisor = startPodvisor({
      command: ['sh', '-c', 'sleep 0.5; exit 3'],
      env: { PODVISOR_PREFS_FILE: prefs, PODVISOR_SIGHUP: 'reload', PODVISOR_RESTART_DELAY_MS: '100', PODVISOR_START_LIMIT_BURST: '0', PODVISOR_LOG_LEVEL: 'info' },
    });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    const startsBefore = podvisor.logs.filter(message('server started')).length;
    const peak = await peakRssDuring(podvisor.pid, flood(podvisor.pid, 1, 4));
    const starts = podvisor.logs.filter(message('server started')).length - startsBefore;
    process.stdout.write(`# SIGHUP flood with a prefs file: peak RSS ${peak.toFixed(0)} MB, ${starts} starts during 4 s\n`);
    assert.ok(peak < 150, `peak RSS ${peak.toFixed(0)} MB`);
    assert.ok(starts >= 3, `the server kept being restarted (every ~0.6 s): ${starts} starts`);
    assert.ok(!podvisor.logs.some((line) => /EMFILE/.test(line.msg)), 'no read ran out of file descriptors');
    const stopAsked = Date.now();
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(5000), 0);
    assert.ok(Date.now() - stopAsked < 3000, `exited ${Date.now() - stopAsked} ms after SIGTERM`);
  });
});
