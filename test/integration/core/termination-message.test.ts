// The termination message a real podvisor writes on exit (docs/shutdown.md, "The termination message"): what
// `kubectl describe pod` shows as the container's last state. Each end of a run, and each hostile path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'podvisor-termination-'));
const running: RunningPodvisor[] = [];
after(async () => {
  await stopAll(running);
  rmSync(dir, { recursive: true, force: true });
});

function start(options: Parameters<typeof startPodvisor>[0]): RunningPodvisor {
  const podvisor = startPodvisor(options);
  running.push(podvisor);
  return podvisor;
}

const terminationWarnings = (podvisor: RunningPodvisor): string[] => podvisor.logs.filter((line) => line.msg.startsWith('cannot write the termination message')).map((line) => line.msg);

describe('the termination message: why podvisor exited, written last', () => {
  it('SIGTERM: the shutdown signal, the server stopped by podvisor, the restarts (the path is created)', async () => {
    const path = join(dir, 'shutdown');
    const podvisor = start({ command: ['sh', '-c', 'sleep 0.3; exit 3'], env: { PODVISOR_TERMINATION_MESSAGE_PATH: path, PODVISOR_START_LIMIT_BURST: '0' } });
    await podvisor.waitForLogs(message('server started'), 2);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.equal(
      readFileSync(path, 'utf8'),
      "podvisor exited 0 (shut down on SIGTERM): the server ended (signal SIGTERM)\nserver's last exit: signal SIGTERM, stopped by podvisor\nrestarts: 1\n",
    );
  });

  it('giving up (exit 1): the start limit, the last exit, the restarts and the fatal line that was confirmed', async () => {
    const path = join(dir, 'gave-up');
    const podvisor = start({
      command: ['sh', '-c', 'echo "FATAL: database connection lost" >&2; exit 3'],
      env: { PODVISOR_TERMINATION_MESSAGE_PATH: path, PODVISOR_START_LIMIT_BURST: '2', PODVISOR_RESTART_DELAY_MS: '10' },
    });
    assert.equal(await podvisor.exited(), 1);
    assert.equal(
      readFileSync(path, 'utf8'),
      "podvisor exited 1: gave up: more than 2 restarts within 300000 ms\nserver's last exit: exit code 3, on its own\nrestarts: 2\n" +
        'last fatal line (stderr, confirmed): FATAL: database connection lost\n',
    );
  });

  it('a command that cannot be executed (127): the command named', async () => {
    const path = join(dir, 'not-found');
    const podvisor = start({ command: ['/no/such/server'], env: { PODVISOR_TERMINATION_MESSAGE_PATH: path } });
    assert.equal(await podvisor.exited(), 127);
    assert.equal(
      readFileSync(path, 'utf8'),
      'podvisor exited 127: cannot run the server: "/no/such/server" was not found (not a file, and not on PATH)\nserver\'s last exit: none (it never ended after starting)\nrestarts: 0\n',
    );
  });

  it('bad configuration (exit 2): every bad setting named, the path given as a flag', async () => {
    const path = join(dir, 'bad-config');
    const podvisor = start({ args: ['--termination-message-path', path, '--no-such-flag', 'x'], command: ['true'], env: { PODVISOR_DRAIN_SECONDS: '-1' } });
    assert.equal(await podvisor.exited(), 2);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^podvisor exited 2: bad configuration, nothing started\n/);
    assert.match(text, /^unknown flag "--no-such-flag": see podvisor --help for the flags$/m);
    assert.match(text, /^PODVISOR_DRAIN_SECONDS="-1" is not valid.*; accepted: a number 0–/m);
  });

  it('at most 4 KiB, cut on a character boundary, however long and multi-byte the errors are', async () => {
    const path = join(dir, 'long');
    const podvisor = start({ command: ['true'], env: { PODVISOR_TERMINATION_MESSAGE_PATH: path, PODVISOR_LOG_LEVEL: 'é€😀'.repeat(3000) } });
    assert.equal(await podvisor.exited(), 2);
    const bytes = readFileSync(path);
    assert.ok(bytes.length <= 4096 && bytes.length > 4000, `${bytes.length} bytes`);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    assert.match(text, /^podvisor exited 2: bad configuration, nothing started\nPODVISOR_LOG_LEVEL="[é€😀]+…$/u);
  });

  it('a FIFO at the path: podvisor exits at once with its own status and a warning; nothing waits for a reader', async () => {
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const podvisor = start({ command: ['sh', '-c', 'exit 7'], env: { PODVISOR_TERMINATION_MESSAGE_PATH: path, PODVISOR_RESTART_POLICY: 'never' } });
    assert.equal(await podvisor.exited(5000), 7);
    assert.deepEqual(terminationWarnings(podvisor), [`cannot write the termination message to ${path} (PODVISOR_TERMINATION_MESSAGE_PATH): it is a FIFO that nobody reads, a socket or a device without a driver, not a regular file`]);
  });

  it('a symbolic link at the path is not followed: the file it names is untouched', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const path = join(dir, 'link');
    symlinkSync(victim, path);
    const podvisor = start({ command: ['true'], env: { PODVISOR_TERMINATION_MESSAGE_PATH: path } });
    assert.equal(await podvisor.exited(), 0);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.deepEqual(terminationWarnings(podvisor), [`cannot write the termination message to ${path} (PODVISOR_TERMINATION_MESSAGE_PATH): it is a symbolic link, which podvisor never follows`]);
  });

  it('the default /dev/termination-log, missing outside Kubernetes: nothing written, nothing said', async () => {
    // podvisor runs in a mount namespace of its own whose /dev holds only what Node needs, so the default path is
    // missing whatever this machine's /dev has; the namespace, and its /dev, end with the process.
    const freshDev = 'mount -t tmpfs podvisor-test-dev /mnt && cp -a /dev/null /dev/zero /dev/random /dev/urandom /mnt/ && ln -s /proc/self/fd /mnt/fd && mount --bind /mnt /dev && "$@"; status=$?; [ -e /dev/termination-log ] && echo "/dev/termination-log was created" >&2; exit $status';
    const podvisor = start({ command: ['true'], wrapper: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', freshDev, 'sh'] });
    assert.equal(await podvisor.exited(), 0, podvisor.stderr());
    assert.deepEqual(terminationWarnings(podvisor), []);
    assert.ok(!podvisor.stderr().includes('/dev/termination-log was created'), podvisor.stderr());
    assert.ok(podvisor.logs.some(message('podvisor exiting')), 'podvisor ran inside the namespace');
  });

  it('empty: no termination message at all', async () => {
    const podvisor = start({ command: ['true'], env: { PODVISOR_TERMINATION_MESSAGE_PATH: '' } });
    assert.equal(await podvisor.exited(), 0);
    assert.deepEqual(terminationWarnings(podvisor), []);
  });
});
