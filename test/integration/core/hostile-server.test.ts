// What a server (or anything in the pod) can send podvisor besides its output: bytes on the kit channel, and
// signals in podvisor's first milliseconds. None of it may crash, stall or bloat PID 1 (docs/security.md).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startAsPid1 } from '../../helpers/pid1.ts';
import { eventually, FIXTURES, freePort, NODE, startPodvisor } from '../../helpers/podvisor-process.ts';
import { join } from 'node:path';

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmHWM:'));
  return Number(line?.split(/\s+/)[1]) / 1024;
}

describe('the kit channel is for the kit only', () => {
  it("a shell server writing to fd 3 does not reach podvisor at all (the channel is not on 3)", async () => {
    const podvisor = startPodvisor({ command: ['sh', '-c', 'echo hello >&3; exec sleep 30'] });
    try {
      await podvisor.waitForLog((line) => line.msg === 'server started');
      await delay(500);
      assert.equal(podvisor.child.exitCode, null, 'podvisor is still running');
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
    } finally {
      podvisor.kill();
    }
  });

  it('garbage on the channel is dropped with one warning; podvisor goes on supervising', async () => {
    const script = 'for i in $(seq 1 200); do echo "hello $i" >&$PODVISOR_CHANNEL_FD; echo "{\\"podvisor\\":1}" >&$PODVISOR_CHANNEL_FD; done; exec sleep 30';
    const podvisor = startPodvisor({ command: ['bash', '-c', script] });
    try {
      const warning = await podvisor.waitForLog((line) => line.msg.startsWith('dropped'));
      assert.equal(warning['why'], 'not JSON');
      await delay(500);
      assert.equal(podvisor.logs.filter((line) => line.msg.startsWith('dropped')).length, 1, 'one warning for the burst');
      assert.equal(podvisor.child.exitCode, null);
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
    } finally {
      podvisor.kill();
    }
  });

  it('700 MB without a newline on the channel: dropped with bounded memory, podvisor stays responsive', async () => {
    const script = 'head -c 700000000 /dev/zero | tr "\\0" a >&$PODVISOR_CHANNEL_FD; exit 3';
    const podvisor = startPodvisor({ command: ['bash', '-c', script], env: { PODVISOR_RESTART_DELAY_MS: '20000' } });
    try {
      await podvisor.waitForLog((line) => line.msg === 'restarting the server', 120_000);
      assert.ok(rssMegabytes(podvisor.pid) < 150, `peak RSS ${rssMegabytes(podvisor.pid)} MB`);
      const warning = podvisor.logs.find((line) => line.msg.startsWith('dropped'));
      assert.equal(warning?.['why'], 'longer than 4096 bytes');
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
    } finally {
      podvisor.kill();
    }
  });

  it('a burst of fatal reports from a kit server is one fatal error, with bounded memory', async () => {
    const podvisor = startPodvisor({ command: [NODE, join(FIXTURES, 'kit-fatal-burst.ts')], env: { PODVISOR_RESTART_DELAY_MS: '20000' } });
    try {
      await podvisor.waitForLog((line) => line.msg === 'restarting the server', 60_000);
      await delay(300);
      assert.equal(podvisor.logs.filter((line) => line.msg === 'the server reported a fatal error').length, 1);
      assert.ok(rssMegabytes(podvisor.pid) < 150, `peak RSS ${rssMegabytes(podvisor.pid)} MB`);
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
    } finally {
      podvisor.kill();
    }
  });
});

describe('a flood of well-formed kit messages', () => {
  it('state changes written to the channel as fast as the server can, HTTP port open: memory bounded, SIGTERM acted on', async () => {
    // Field: 336–470 MB with the HTTP port open (V8 let garbage Buffers pile up to 64 MB past a 4 GB heap's limit).
    const script = 'import os, time\nline = b\'{"podvisor":1,"type":"state","state":"running"}\\n{"podvisor":1,"type":"state","state":"refusing_connections"}\\n\' * 200\nend = time.time() + 4\nwhile time.time() < end:\n    os.write(10, line)\nprint("done", flush=True)\ntime.sleep(30)\n';
    const podvisor = startPodvisor({ command: ['python3', '-c', script], env: { PODVISOR_HTTP_PORT: String(await freePort()), PODVISOR_LOG_LEVEL: 'info' } });
    // Every core busy meanwhile (as in CI, the Kubernetes build beside the tests): the observer thread, at a lower
    // priority, falls behind the supervision thread, whose events must not pile up for it without bound.
    const busy = [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    try {
      await eventually(() => podvisor.stdout().includes('done'), 'the flood to end', 15_000);
      for (const hog of busy) hog.kill('SIGKILL');
      const peak = rssMegabytes(podvisor.pid);
      process.stdout.write(`# kit state flood: podvisor VmHWM ${peak.toFixed(0)} MB\n`);
      assert.ok(peak < 150, `peak RSS ${peak.toFixed(0)} MB`);
      const asked = Date.now();
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
      assert.ok(Date.now() - asked < 3000, 'SIGTERM acted on at once');
    } finally {
      for (const hog of busy) hog.kill('SIGKILL');
      podvisor.kill();
    }
  });
});

describe("signals in podvisor's first milliseconds, as PID 1", () => {
  it('a SIGUSR1 at any moment never opens an inspector; once the server runs, it reaches the server', async () => {
    for (const afterMs of [0, 1, 2, 5, 10, 20, 40, 80]) {
      const file = `/tmp/podvisor-usr1-${process.pid}-${afterMs}`;
      const podvisor = await startAsPid1({ command: [join(FIXTURES, 'record-signals.sh'), file] });
      try {
        await delay(afterMs);
        process.kill(podvisor.pid1, 'SIGUSR1');
        await podvisor.waitForLog((line) => line.msg === 'server started');
        await delay(300);
        assert.doesNotMatch(podvisor.stderr(), /Debugger listening|inspector/i, `SIGUSR1 after ${afterMs} ms`);
        assert.equal(podvisor.child.exitCode, null, `podvisor survived a SIGUSR1 after ${afterMs} ms`);
        process.kill(podvisor.pid1, 'SIGUSR1');
        for (let tries = 0; tries < 100 && !readFileSync(file, 'utf8').includes('USR1'); tries++) await delay(20);
        assert.match(readFileSync(file, 'utf8'), /USR1/, 'a SIGUSR1 once the server runs reaches it');
        process.kill(podvisor.pid1, 'SIGTERM');
        assert.equal(await podvisor.exited(), 0);
      } finally {
        podvisor.kill();
        rmSync(file, { force: true });
      }
    }
  });
});
