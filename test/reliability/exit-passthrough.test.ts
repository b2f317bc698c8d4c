// Adapted from the ideas of tini's and dumb-init's own suites (exit codes pass through, death by signal N
// gives 128+N, signals reach the whole process group), run against podvisor with policy `never`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, eventually, message, startPodvisor } from '../helpers/podvisor-process.ts';
import { linesOf } from './proc.ts';

const NEVER = { PODVISOR_RESTART_POLICY: 'never', PODVISOR_LOG_LEVEL: 'warn' };
/** podvisor runs in parallel this many at a time (each is a Node start). */
const PARALLEL = 4;
const dir = mkdtempSync(join(tmpdir(), 'rel-exit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function statusOf(script: string): Promise<{ status: number; stderr: string }> {
  const podvisor = startPodvisor({ command: ['sh', '-c', script], env: NEVER });
  try {
    const status = await podvisor.exited(30_000);
    return { status, stderr: podvisor.stderr().trim().split('\n').slice(-1)[0] ?? '' };
  } finally {
    podvisor.kill();
  }
}

/** Runs `check` over `items`, PARALLEL at a time; collects every mismatch instead of stopping at the first. */
async function each<T>(items: readonly T[], check: (item: T) => Promise<string | undefined>): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        const failure = await check(item);
        if (failure !== undefined) failures.push(failure);
      }
    }),
  );
  return failures;
}

describe('exit status passthrough (policy never)', { timeout: 300_000 }, () => {
  it('every exit code 0–255 is podvisor’s own exit code', async () => {
    const codes = Array.from({ length: 256 }, (_, code) => code);
    const failures = await each(codes, async (code) => {
      const { status, stderr } = await statusOf(`exit ${code}`);
      return status === code ? undefined : `exit ${code} → podvisor exited ${status} (${stderr})`;
    });
    assert.deepEqual(failures, []);
  });

  it('a server killed by signal N gives 128+N', async () => {
    // Every signal whose default action ends the process (STOP/TSTP/TTIN/TTOU stop it, CHLD/URG/WINCH/CONT are ignored).
    const names = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSYS'] as const;
    const failures = await each(names, async (name) => {
      const number = constants.signals[name];
      // No core file for the signals that dump one.
      const { status, stderr } = await statusOf(`ulimit -c 0; kill -${number} $$; sleep 5`);
      return status === 128 + number ? undefined : `${name} (${number}) → podvisor exited ${status}, not ${128 + number} (${stderr})`;
    });
    assert.deepEqual(failures, []);
  });
});

describe('signals reach the whole process group', { timeout: 60_000 }, () => {
  it('forwarded signals and SIGTERM reach the server and its child', async () => {
    const file = join(dir, 'group');
    const podvisor = startPodvisor({ command: [join(FIXTURES, 'rel-group.sh'), file], env: NEVER });
    try {
      await eventually(() => linesOf(`${file}.parent`).includes('ready') && linesOf(`${file}.child`).includes('ready'), 'both processes ready');
      for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGWINCH'] as const) {
        podvisor.signal(signal);
        const name = signal.slice(3);
        await eventually(() => linesOf(`${file}.parent`).includes(name) && linesOf(`${file}.child`).includes(name), `${signal} in both processes`);
      }
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
      assert.ok(linesOf(`${file}.parent`).includes('TERM'), 'the server got SIGTERM');
      assert.ok(linesOf(`${file}.child`).includes('TERM'), "the server's child got SIGTERM");
    } finally {
      podvisor.kill();
    }
  });

  it('a hung process group is killed whole at the deadline', async () => {
    const podvisor = startPodvisor({
      command: ['sh', '-c', `${join(FIXTURES, 'ignore-term.sh')} ${join(dir, 'pids-child')} & exec ${join(FIXTURES, 'ignore-term.sh')} ${join(dir, 'pids-parent')}`],
      env: { ...NEVER, PODVISOR_LOG_LEVEL: 'info', PODVISOR_DRAIN_SECONDS: '0.5', PODVISOR_KILL_GRACE_MS: '200' },
    });
    try {
      const started = await podvisor.waitForLog(message('server started'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(15_000), 137);
      const group = Number(started['serverPid']);
      let alive = true;
      try {
        process.kill(-group, 0);
      } catch {
        alive = false;
      }
      assert.equal(alive, false, 'nothing of the server group is left');
    } finally {
      podvisor.kill();
    }
  });
});
