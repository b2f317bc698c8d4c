import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { delay, eventually, message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'podvisor-files-'));
const running: RunningPodvisor[] = [];
const fifos: string[] = [];
after(async () => {
  await stopAll(running);
  // A podvisor that still waited on a FIFO (before the fix) is released by a writer that comes and goes.
  for (const fifo of fifos) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // Nobody waiting.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  fifos.push(path);
  return path;
}

/** podvisor's resident memory in MB, from /proc (bin/podvisor execs node, so the pid is podvisor's). */
function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:')) ?? 'VmRSS: 0 kB';
  return Number(/(\d+)/.exec(line)?.[1]) / 1024;
}

describe('the prefs file: a regular file of at most 4 KiB, read without ever blocking', () => {
  it('a FIFO at start: exit 2 naming the path, at once (it hung before, with no server and no port)', async () => {
    const path = fifo('start.fifo');
    const podvisor = startPodvisor({ command: ['sleep', '30'], env: { PODVISOR_PREFS_FILE: path } });
    running.push(podvisor);
    assert.equal(await podvisor.exited(5000), 2);
    assert.match(podvisor.logs[0]?.msg ?? '', new RegExp(`PODVISOR_PREFS_FILE=".*start\\.fifo": prefs file .*start\\.fifo is a FIFO \\(named pipe\\), not a regular file`));
  });

  it('replaced by a FIFO at run time: the restart goes on with the last good prefs and a warning; SIGTERM works', async () => {
    const path = join(dir, 'runtime.yaml');
    writeFileSync(path, 'autoRestart: true\n');
    const podvisor = startPodvisor({ command: ['sh', '-c', 'sleep 0.5; exit 3'], env: { PODVISOR_PREFS_FILE: path, PODVISOR_START_LIMIT_BURST: '0' } });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    rmSync(path);
    execFileSync('mkfifo', [path]);
    fifos.push(path);
    const warning = await podvisor.waitForLog((line) => line.level === 40 && line.msg.includes('is a FIFO (named pipe), not a regular file'), 5000);
    assert.match(warning.msg, /runtime\.yaml is a FIFO .*keeping the last good prefs \(autoRestart=true\)/);
    await podvisor.waitForLogs(message('server started'), 2, 5000);
    podvisor.signal('SIGTERM');
    assert.ok([0, 3].includes(await podvisor.exited(5000)));
  });

  it('replaced by a symbolic link to /dev/zero, or a 1 GB file, then SIGHUP: a warning, memory unchanged, the last good prefs kept', async () => {
    const path = join(dir, 'hup.yaml');
    writeFileSync(path, 'autoRestart: true\n');
    // The server ignores SIGHUP (podvisor forwards it): whenever the SIGTERM below comes, it finds the server running.
    const podvisor = startPodvisor({ command: ['sh', '-c', 'trap "" HUP; exec sleep 60'], env: { PODVISOR_PREFS_FILE: path } });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    rmSync(path);
    symlinkSync('/dev/zero', path);
    podvisor.signal('SIGHUP');
    await podvisor.waitForLog((line) => line.level === 40 && line.msg.includes('hup.yaml is a device, not a regular file'), 5000);
    const huge = join(dir, 'huge.yaml');
    writeFileSync(huge, '');
    execFileSync('truncate', ['-s', '1G', huge]);
    renameSync(huge, path);
    podvisor.signal('SIGHUP');
    await podvisor.waitForLog((line) => line.level === 40 && line.msg.includes('hup.yaml is larger than 4096 bytes'), 5000);
    // Reading either whole took 1.8 GB before.
    assert.ok(rssMegabytes(podvisor.pid) < 150, `RSS ${rssMegabytes(podvisor.pid).toFixed(0)} MB`);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(5000), 0);
  });
});

describe('the pid file: created exclusively, never through a symbolic link, removed only when podvisor created it', () => {
  it('PODVISOR_PID_FILE naming an existing file (a copy of /etc/passwd, as root): not overwritten, not removed, a warning', async () => {
    // A copy: before the fix podvisor overwrote this file and deleted it at exit.
    const path = join(dir, 'passwd');
    const content = readFileSync('/etc/passwd', 'utf8');
    writeFileSync(path, content);
    const podvisor = startPodvisor({ command: ['sleep', '60'], env: { PODVISOR_PID_FILE: path } });
    running.push(podvisor);
    const warning = await podvisor.waitForLog((line) => line.level === 40 && line.msg.startsWith('cannot write pid file'), 5000);
    assert.equal(warning.msg, `cannot write pid file ${path}: exists and is not a pid file (its first line is not a process id); left alone`);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(5000), 0);
    assert.equal(readFileSync(path, 'utf8'), content);
  });

  it('a symbolic link at the path: neither it nor its target touched', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious\n');
    const path = join(dir, 'link.pid');
    symlinkSync(target, path);
    const podvisor = startPodvisor({ command: ['sleep', '60'], env: { PODVISOR_PID_FILE: path } });
    running.push(podvisor);
    await podvisor.waitForLog((line) => line.level === 40 && line.msg.includes('is a symbolic link, which podvisor never follows'), 5000);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(5000), 0);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
    assert.equal(readFileSync(path, 'utf8'), 'precious\n');
  });

  it('a stale pid file of an earlier run is replaced, and removed at exit', async () => {
    const path = join(dir, 'stale.pid');
    writeFileSync(path, '999999\n999998\n');
    const podvisor = startPodvisor({ command: ['sleep', '60'], env: { PODVISOR_PID_FILE: path } });
    running.push(podvisor);
    await eventually(() => existsSync(path) && readFileSync(path, 'utf8').startsWith(`${podvisor.pid}\n`), 'podvisor wrote its pid file', 5000);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(5000), 0);
    await delay(50);
    assert.equal(existsSync(path), false);
  });
});
