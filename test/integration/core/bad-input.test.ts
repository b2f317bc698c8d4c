import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually, freePort, message, startPodvisor } from '../../helpers/podvisor-process.ts';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'podvisor-bad-'));

describe('bad input gets a clear error and no restart loop', () => {
  it('a command that does not exist: exit 127, named, started once', async () => {
    const podvisor = startPodvisor({ command: ['/nonexistent/server', '--flag'] });
    assert.equal(await podvisor.exited(), 127);
    const error = podvisor.logs.find((line) => line.level === 50);
    assert.match(error?.msg ?? '', /"\/nonexistent\/server" was not found/);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 0);
  });

  it('a command that is not executable: exit 126, named', async () => {
    const file = join(scratch(), 'server.sh');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const podvisor = startPodvisor({ command: [file] });
    assert.equal(await podvisor.exited(), 126);
    assert.match(podvisor.logs.find((line) => line.level === 50)?.msg ?? '', /is not executable/);
  });

  it('a directory as the command: exit 126', async () => {
    const podvisor = startPodvisor({ command: [scratch()] });
    assert.equal(await podvisor.exited(), 126);
  });

  it('a server that exits before podvisor finished starting it is still seen', async () => {
    for (const [code, expected] of [['0', 0], ['255', 255]] as const) {
      const podvisor = startPodvisor({ command: ['sh', '-c', `exit ${code}`] });
      assert.equal(await podvisor.exited(), expected);
    }
  });

  it('bad configuration: every bad setting in one message, exit 2, nothing started', async () => {
    const marker = join(scratch(), 'started');
    const podvisor = startPodvisor({
      args: ['--restart-policy', 'sometimes', '--bogus-flag', 'x'],
      env: { PODVISOR_DRAIN_SECONDS: '-3', PODVISOR_HTTP_PORT: '99999' },
      command: ['sh', '-c', `touch ${marker}`],
    });
    assert.equal(await podvisor.exited(), 2);
    const line = podvisor.logs[0];
    assert.equal(podvisor.logs.length, 1);
    assert.equal(line?.level, 60);
    for (const expected of [/PODVISOR_RESTART_POLICY="sometimes" \(from --restart-policy\)/, /unknown flag "--bogus-flag"/, /PODVISOR_DRAIN_SECONDS="-3"/, /PODVISOR_HTTP_PORT="99999"/]) {
      assert.match(line?.msg ?? '', expected);
    }
    assert.equal(existsSync(marker), false, 'the server was not started');
  });

  it('a prefs file that is a directory: exit 2 at start-up, named', async () => {
    const podvisor = startPodvisor({ env: { PODVISOR_PREFS_FILE: scratch() }, command: ['true'] });
    assert.equal(await podvisor.exited(), 2);
    assert.match(podvisor.logs[0]?.msg ?? '', /PODVISOR_PREFS_FILE=.*is a directory, not a file/);
  });

  it('a script whose #! interpreter is missing: 127, naming the interpreter as what is missing (not "not found")', async () => {
    const file = join(scratch(), 'server.sh');
    writeFileSync(file, '#!/no/such/interpreter\necho hi\n');
    chmodSync(file, 0o755);
    const podvisor = startPodvisor({ command: [file] });
    assert.equal(await podvisor.exited(), 127);
    assert.ok(podvisor.logs.some((line) => line.msg.includes(`${JSON.stringify(file)} names an interpreter that was not found (its #! line, or its dynamic loader)`)), JSON.stringify(podvisor.logs));
  });

  it('--help lists every setting with its default', async () => {
    const podvisor = startPodvisor({ args: ['--help'] });
    assert.equal(await podvisor.exited(), 0);
    for (const expected of ['--drain-seconds VALUE  (PODVISOR_DRAIN_SECONDS, default: 5)', 'PODVISOR_RESTART_POLICY', 'PODVISOR_HTTP_PORT', 'PODVISOR_READINESS_TIMEOUT_MS']) {
      assert.ok(podvisor.stdout().includes(expected), expected);
    }
  });
});

/** Reads argv[1] in a tight loop; on SIGTERM prints how many whole reads and which partial contents it saw. */
const READ_IN_A_LOOP = `
import json, os, re, signal, sys
whole, partial = 0, []
def done(*_):
    print(json.dumps({"whole": whole, "partial": partial[:5]}), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True:
    try:
        with open(sys.argv[1]) as f:
            text = f.read()
    except FileNotFoundError:
        continue
    if re.fullmatch(r"\\d+\\n\\d+\\n", text):
        whole += 1
    else:
        partial.append(text)
`;

describe('Darwin Streaming Server details: the pid file and the status line', () => {
  it('the pid file holds podvisor then the server while it runs, and is removed on exit', async () => {
    const pidFile = join(scratch(), 'podvisor.pid');
    const podvisor = startPodvisor({ command: ['sleep', '30'], env: { PODVISOR_PID_FILE: pidFile } });
    const started = await podvisor.waitForLog(message('server started'));
    await eventually(() => existsSync(pidFile), 'the pid file');
    assert.equal(readFileSync(pidFile, 'utf8'), `${podvisor.pid}\n${String(started['serverPid'])}\n`);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.equal(existsSync(pidFile), false);
  });

  it('the pid file waits for the server to be running (readiness passed), not merely spawned', async () => {
    const pidFile = join(scratch(), 'podvisor.pid');
    const port = await freePort();
    const podvisor = startPodvisor({
      command: [process.execPath, join(import.meta.dirname, '..', '..', 'fixtures', 'listen-after.mjs'), String(port), '600'],
      env: { PODVISOR_PID_FILE: pidFile, PODVISOR_READINESS: `tcp:${port}` },
    });
    const started = await podvisor.waitForLog(message('server started'));
    assert.equal(existsSync(pidFile), false, 'no pid file while the server is starting');
    await podvisor.waitForLog(message('state changed', { to: 'running' }));
    await eventually(() => existsSync(pidFile), 'the pid file once running');
    assert.equal(readFileSync(pidFile, 'utf8'), `${podvisor.pid}\n${String(started['serverPid'])}\n`);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
    assert.equal(existsSync(pidFile), false);
  });

  it('a reader never sees the pid file empty or half-written: it appears whole (field: `podvisor ctl` read an empty one)', async () => {
    const dir = scratch();
    const pidFile = join(dir, 'podvisor.pid');
    // Another process reads the path as fast as it can while podvisor writes it anew on each of ~40 restarts.
    const reader = spawn('python3', ['-c', READ_IN_A_LOOP, pidFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (seen += chunk));
    const podvisor = startPodvisor({
      command: ['sh', '-c', 'sleep 0.02; exit 1'],
      env: { PODVISOR_PID_FILE: pidFile, PODVISOR_RESTART_DELAY_MS: '0', PODVISOR_START_LIMIT_BURST: '0' },
    });
    await podvisor.waitForLogs(message('server started'), 40, 20_000);
    podvisor.signal('SIGTERM');
    await podvisor.exited();
    reader.kill('SIGTERM');
    await new Promise((resolve) => reader.on('close', resolve));
    const reads = JSON.parse(seen.trim().split('\n').at(-1) ?? '{}') as { whole?: number; partial?: string[] };
    assert.ok((reads.whole ?? 0) > 0, `the reader saw the pid file at least once: ${seen}`);
    assert.deepEqual(reads.partial, [], 'every read of the pid file found both lines');
    assert.deepEqual(readdirSync(dir), [], 'no temporary file left beside it');
  });

  it('a status line every PODVISOR_STATUS_INTERVAL_SECONDS', async () => {
    const podvisor = startPodvisor({ command: ['sleep', '30'], env: { PODVISOR_STATUS_INTERVAL_SECONDS: '0.1' } });
    const [, second] = await podvisor.waitForLogs(message('status'), 2);
    assert.equal(second?.['state'], 'running');
    assert.equal(typeof second?.['serverPid'], 'number');
    assert.equal(second?.['restarts'], 0);
    assert.ok((second?.['uptimeSeconds'] as number) > 0);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});

describe('readiness of a server not built on the kit', () => {
  it('tcp:<port>: starting until the port accepts, then running', async () => {
    const port = await freePort();
    const podvisor = startPodvisor({
      command: [process.execPath, join(import.meta.dirname, '..', '..', 'fixtures', 'listen-after.mjs'), String(port), '400'],
      env: { PODVISOR_READINESS: `tcp:${port}` },
    });
    await podvisor.waitForLog(message('state changed', { to: 'running' }));
    const ready = podvisor.logs.findIndex(message('state changed', { to: 'running' }));
    const started = podvisor.logs.findIndex(message('server started'));
    assert.ok(ready > started);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('http:<url>: polled until it answers 2xx', async () => {
    const port = await freePort();
    const podvisor = startPodvisor({
      command: [process.execPath, join(import.meta.dirname, '..', '..', 'fixtures', 'listen-after.mjs'), String(port), '300'],
      env: { PODVISOR_READINESS: `http://127.0.0.1:${port}/ready` },
    });
    await podvisor.waitForLog(message('state changed', { from: 'starting', to: 'running' }));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('not ready in time: restarted with reason readiness_timeout', async () => {
    const port = await freePort();
    const podvisor = startPodvisor({ command: ['sleep', '30'], env: { PODVISOR_READINESS: `tcp:${port}`, PODVISOR_READINESS_TIMEOUT_MS: '300', PODVISOR_DRAIN_SECONDS: '1' } });
    const restart = await podvisor.waitForLog(message('restarting the server'));
    assert.equal(restart['reason'], 'readiness_timeout');
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});
