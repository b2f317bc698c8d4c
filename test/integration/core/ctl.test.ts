// `podvisor ctl` against real podvisors (docs/shutdown.md, "podvisor ctl"): found by its pid file, and as PID 1 of
// a PID namespace (a container, with `unshare`; ctl run inside it with `nsenter`, as `kubectl exec` runs it); as
// another user; with no podvisor at all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startAsPid1 } from '../../helpers/pid1.ts';
import { eventually, FIXTURES, freePort, message, PODVISOR, type RunningPodvisor, startPodvisor, stopAll, TEST_ENV } from '../../helpers/podvisor-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'podvisor-ctl-'));
// ctl as another user must reach the pid file.
chmodSync(dir, 0o755);
const running: RunningPodvisor[] = [];
after(async () => {
  await stopAll(running);
  rmSync(dir, { recursive: true, force: true });
});

interface CtlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `podvisor ctl ARGS` (behind `wrapper`: nsenter, setpriv…) to its end, with the test's environment plus `env`. */
function ctl(args: readonly string[], options: { readonly env?: Readonly<Record<string, string>>; readonly wrapper?: readonly string[] } = {}): Promise<CtlResult> {
  const started = Date.now();
  const [file, ...rest] = [...(options.wrapper ?? []), PODVISOR, 'ctl', ...args] as [string, ...string[]];
  const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...TEST_ENV, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ status: signal === null ? (code ?? 0) : 128 + (signal === 'SIGKILL' ? 9 : 15), stdout, stderr, ms: Date.now() - started }));
  });
}

function start(options: Parameters<typeof startPodvisor>[0]): RunningPodvisor {
  const podvisor = startPodvisor(options);
  running.push(podvisor);
  return podvisor;
}

/** A podvisor with a pid file and an HTTP port, its server running (the pid file is written then). */
async function withPidFile(name: string, command: readonly string[], env: Readonly<Record<string, string>> = {}) {
  const pidFile = join(dir, `${name}.pid`);
  const httpPort = await freePort();
  const ctlEnv = { PODVISOR_PID_FILE: pidFile, PODVISOR_HTTP_PORT: String(httpPort) };
  const podvisor = start({ command, env: { ...ctlEnv, ...env } });
  await podvisor.waitForLog(message('server started'));
  await eventually(() => fileExists(pidFile), 'the pid file');
  const serverPid = (): number => Number(readFileSync(pidFile, 'utf8').split('\n')[1]);
  return { podvisor, pidFile, httpPort, ctlEnv, serverPid };
}

function fileExists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

describe('podvisor ctl, podvisor found by its pid file', () => {
  it('status: readable, and --json as /status says it', async () => {
    const { podvisor, pidFile, ctlEnv, serverPid } = await withPidFile('status', ['sleep', '60']);
    const text = await ctl(['status'], { env: ctlEnv });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^podvisor \\S+ \\(pid ${podvisor.pid} from PODVISOR_PID_FILE="${pidFile.replaceAll('/', '\\/')}"\\), up `));
    assert.match(text.stdout, /^ {2}state {5}running$/m);
    assert.match(text.stdout, new RegExp(`^ {2}server {4}pid ${serverPid()}, up `, 'm'));
    assert.match(text.stdout, /^ {2}restarts {2}0$/m);
    const json = await ctl(['status', '--json'], { env: ctlEnv });
    assert.equal(json.status, 0, json.stderr);
    const document = JSON.parse(json.stdout) as { state: string; pid: number };
    assert.deepEqual([document.state, document.pid], ['running', serverPid()]);
  });

  it('status with the HTTP port off: says so and shows the pids it can', async () => {
    const pidFile = join(dir, 'no-port.pid');
    const podvisor = start({ command: ['sleep', '60'], env: { PODVISOR_PID_FILE: pidFile, PODVISOR_HTTP_PORT: '0' } });
    await podvisor.waitForLog(message('server started'));
    await eventually(() => fileExists(pidFile), 'the pid file');
    const result = await ctl(['status'], { env: { PODVISOR_PID_FILE: pidFile } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /its HTTP port is off \(PODVISOR_HTTP_PORT=0\), so there is no \/status to show/);
    assert.match(result.stdout, new RegExp(`server {4}pid ${readFileSync(pidFile, 'utf8').split('\n')[1]} \\("sleep 60"\\)`));
  });

  it('reload: SIGHUP to podvisor, which re-reads its prefs and passes SIGHUP on to the server', async () => {
    const signals = join(dir, 'reload.signals');
    const { podvisor, ctlEnv } = await withPidFile('reload', [join(FIXTURES, 'record-signals.sh'), signals]);
    await eventually(() => fileExists(signals) && readFileSync(signals, 'utf8').includes('ready'), 'the server to be ready');
    const result = await ctl(['reload'], { env: ctlEnv });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^SIGHUP sent to podvisor \(pid \d+ from PODVISOR_PID_FILE=.*\): it has no prefs file to re-read \(PODVISOR_PREFS_FILE is not set\) and passes SIGHUP on to the server$/m);
    await podvisor.waitForLog(message('no prefs file to re-read (PODVISOR_PREFS_FILE is not set): autoRestart stays as set', { trigger: 'sighup' }));
    await eventually(() => readFileSync(signals, 'utf8').includes('HUP'), 'the server to get SIGHUP');
  });

  it('restart: the server restarts in place (SIGINT), ctl waits to see it running again', async () => {
    const { podvisor, ctlEnv, serverPid } = await withPidFile('restart', ['sleep', '60']);
    const before = serverPid();
    const result = await ctl(['restart'], { env: ctlEnv });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^SIGINT sent to podvisor \\(.*\\): restarting the server \\(pid ${before}\\)$`, 'm'));
    const again = /^the server runs again: pid (\d+) \(was (\d+)\), restarts 1$/m.exec(result.stdout);
    assert.ok(again !== null, result.stdout);
    assert.notEqual(Number(again[1]), before);
    assert.ok(result.ms >= 3000, `returns no earlier than 3 s after its SIGINT (took ${result.ms} ms): a second restart must not be Ctrl-C twice`);
    assert.ok(podvisor.logs.some(message('restarting the server', { reason: 'sigint' })));
    // A second restart right after the first restarts again: it is not taken as Ctrl-C twice.
    const second = await ctl(['restart'], { env: ctlEnv });
    assert.equal(second.status, 0, `${second.stdout}${second.stderr}`);
    assert.match(second.stdout, /restarts 2$/m);
    assert.equal(podvisor.child.exitCode, null, 'podvisor runs on');
  });

  it('stop, then stop --now during a 30 s shutdown delay: the delay is cut short, podvisor ends in well under a second', async () => {
    const { podvisor, ctlEnv } = await withPidFile('stop', ['sleep', '60'], { PODVISOR_SHUTDOWN_DELAY_SECONDS: '30' });
    const stop = await ctl(['stop'], { env: ctlEnv });
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(stop.stdout, /^SIGTERM sent to podvisor \(.*\): shutting down: not ready at once; the server serves on for the shutdown delay \(30\.0s\), then gets SIGTERM/m);
    assert.match(stop.stdout, /^podvisor is shutting down \(state shutting_down\)$/m);
    await podvisor.waitForLog(message('shutting down: not ready now, the server serves on for the shutdown delay', { signal: 'SIGTERM', delaySeconds: 30 }));
    assert.equal(podvisor.child.exitCode, null, 'the server serves on during the delay');

    // The pid file is gone once the server is (it is written while the server runs): ctl finds podvisor as the
    // test started it, through a pid file of its own.
    const pidFile = join(dir, 'stop-now.pid');
    writeFileSync(pidFile, `${podvisor.pid}\n`);
    const started = Date.now();
    const now = await ctl(['stop', '--now'], { env: { ...ctlEnv, PODVISOR_PID_FILE: pidFile } });
    assert.equal(await podvisor.exited(10_000), 0);
    const endedMs = Date.now() - started;
    process.stdout.write(`# ctl stop --now during a 30 s shutdown delay: podvisor exited ${endedMs} ms after ctl started\n`);
    assert.ok(endedMs < 5000, `${endedMs} ms`);
    assert.equal(now.status, 0, now.stderr);
    assert.match(now.stdout, /^SIGTERM, then SIGINT, sent to podvisor \(.*\): shutting down now: the server gets SIGTERM now/m);
    assert.ok(podvisor.logs.some(message('shutdown delay over: stopping the server', { outcome: 'cut_short' })));
    assert.ok(!podvisor.logs.some(message('restarting the server')), 'the SIGINT never overtook the SIGTERM');
  });

  it('stop --now on a running server: a shutdown (the SIGTERM is delivered first), never a restart', async () => {
    for (let round = 0; round < 3; round++) {
      const { podvisor, ctlEnv } = await withPidFile(`now-${round}`, ['sleep', '60'], { PODVISOR_SHUTDOWN_DELAY_SECONDS: '30' });
      const result = await ctl(['stop', '--now'], { env: ctlEnv });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(await podvisor.exited(10_000), 0);
      const shutdown = podvisor.logs.find((line) => line.msg.startsWith('shutting down'));
      assert.equal(shutdown?.['signal'], 'SIGTERM', 'the shutdown was asked for by SIGTERM');
      assert.ok(podvisor.logs.some(message('shutdown delay over: stopping the server', { outcome: 'cut_short' })));
      assert.ok(!podvisor.logs.some(message('restarting the server')), `round ${round}: a restart`);
    }
  });
  it('stop --now to a podvisor that cannot take signals for a moment (SIGSTOP): the SIGINT waits for the SIGTERM, so the server gets SIGTERM, never SIGINT', async () => {
    // Both pending at once, Linux would deliver SIGINT (2) before SIGTERM (15): a restart's SIGINT to the server.
    const signals = join(dir, 'stopped.signals');
    const { podvisor, ctlEnv } = await withPidFile('stopped', [join(FIXTURES, 'record-signals.sh'), signals], { PODVISOR_SHUTDOWN_DELAY_SECONDS: '30' });
    await eventually(() => fileExists(signals) && readFileSync(signals, 'utf8').includes('ready'), 'the server to be ready');
    process.kill(podvisor.pid, 'SIGSTOP');
    const stop = ctl(['stop', '--now'], { env: ctlEnv });
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(podvisor.pid, 'SIGCONT');
    const result = await stop;
    assert.equal(result.status, 0, result.stderr);
    assert.equal(await podvisor.exited(10_000), 0);
    assert.deepEqual(readFileSync(signals, 'utf8').trim().split('\n'), ['ready', 'TERM']);
    assert.ok(podvisor.logs.some(message('shutdown delay over: stopping the server', { outcome: 'cut_short' })));
  });
});

describe('podvisor ctl, podvisor as PID 1 of its namespace (a container)', () => {
  it('status, restart and stop --now from inside the namespace (nsenter, as kubectl exec)', async () => {
    const httpPort = await freePort();
    const env = { PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_SHUTDOWN_DELAY_SECONDS: '30' };
    const podvisor = await startAsPid1({ command: ['sleep', '60'], env });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    const inside = ['nsenter', '-t', String(podvisor.pid1), '-p', '-m'];

    const status = await ctl(['status'], { wrapper: inside, env });
    assert.equal(status.status, 0, status.stderr);
    const server = /^podvisor \S+ \(PID 1\), up .*\n {2}state {5}running\n {2}server {4}pid (\d+), up /.exec(status.stdout);
    assert.ok(server !== null, status.stdout);

    const restart = await ctl(['restart'], { wrapper: inside, env });
    assert.equal(restart.status, 0, restart.stderr);
    assert.match(restart.stdout, new RegExp(`^SIGINT sent to podvisor \\(PID 1\\): restarting the server \\(pid ${server[1]}\\)\nthe server runs again: pid \\d+ \\(was ${server[1]}\\), restarts 1\n$`));

    const started = Date.now();
    const stop = await ctl(['stop', '--now'], { wrapper: inside, env });
    assert.equal(await podvisor.exited(10_000), 0);
    const endedMs = Date.now() - started;
    process.stdout.write(`# as PID 1: ctl stop --now during a 30 s shutdown delay: podvisor exited ${endedMs} ms after ctl started\n`);
    assert.ok(endedMs < 5000, `${endedMs} ms`);
    // The namespace ends with its PID 1, and ctl with it (as a kubectl exec session ends with its container).
    assert.ok(stop.status === 0 || stop.status === 137, `${stop.status}: ${stop.stderr}`);
    assert.match(stop.stdout, /^SIGTERM, then SIGINT, sent to podvisor \(PID 1\): shutting down now/);
  });
});

describe('podvisor ctl with nobody to talk to, or not allowed to', () => {
  /** ctl in a PID namespace of its own whose PID 1 is a shell (not podvisor), with `env`. */
  const alone = (args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CtlResult> =>
    ctl(args, { wrapper: ['unshare', '--pid', '--fork', '--mount-proc', 'sh', '-c', '"$@"; exit $?', 'pid-1-shell'], env });

  it('no podvisor as PID 1 and no pid file: exit 1, saying what it looked for', async () => {
    const result = await alone(['status'], { PODVISOR_PID_FILE: '' });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^podvisor ctl: no podvisor to talk to: PID 1 is not podvisor \(it runs "sh -c .*"\), and PODVISOR_PID_FILE is not set \(podvisor ctl finds podvisor as PID 1 of the container, else by its pid file\)\n$/);
  });

  it('a pid file that is missing, or names a process that is not podvisor: exit 1, naming it', async () => {
    const missing = join(dir, 'missing.pid');
    const gone = await alone(['restart'], { PODVISOR_PID_FILE: missing });
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, new RegExp(`PODVISOR_PID_FILE="${missing.replaceAll('/', '\\/')}" does not exist \\(podvisor writes it while its server runs\\)`));

    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const other = join(dir, 'other.pid');
      writeFileSync(other, `${sleeper.pid}\n`);
      const result = await ctl(['stop'], { env: { PODVISOR_PID_FILE: other } });
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`names pid ${sleeper.pid}, which is not podvisor \\(it runs "sleep 30"\\)`));
      assert.equal(sleeper.exitCode, null, 'nothing was signalled');
    } finally {
      sleeper.kill();
    }
  });

  it('a bad subcommand or option: exit 2 with the usage', async () => {
    for (const args of [['kill'], [], ['restart', '--now']]) {
      const result = await ctl(args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /\nusage: podvisor ctl status \[--json\] \| restart \| reload \| stop \[--now\] \(podvisor ctl --help\)\n$/);
    }
    const help = await ctl(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: podvisor ctl/);
  });

  it('as another user: status works (reading needs no rights), restart is refused naming the owner, and nothing restarts', async () => {
    const { podvisor, ctlEnv } = await withPidFile('other-user', ['sleep', '60']);
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const status = await ctl(['status'], { wrapper: nobody, env: ctlEnv });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /state {5}running/);
    for (const args of [['restart'], ['reload'], ['stop', '--now']]) {
      const refused = await ctl(args, { wrapper: nobody, env: ctlEnv });
      assert.equal(refused.status, 1, args.join(' '));
      assert.match(refused.stderr, new RegExp(`^podvisor ctl: not allowed to send SIG(INT|HUP|TERM) to podvisor \\(pid ${podvisor.pid} from PODVISOR_PID_FILE=.*\\): it runs as uid 0, podvisor ctl as uid 65534; run podvisor ctl as uid 0 \\(or as root\\)\\n$`));
    }
    assert.equal(podvisor.logs.filter(message('server started')).length, 1, 'no restart');
    assert.equal(podvisor.child.exitCode, null);
  });
});
