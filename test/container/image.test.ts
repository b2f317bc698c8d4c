// The image, built with podman and run as PID 1 the way Kubernetes runs it: read-only root filesystem, the
// image's non-root user, no capabilities. The server is the image's default: the reference streaming server.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { environment, podvisorContainer, render } from '../chart/chart.ts';
import { FIXTURES, eventually, freePort } from '../helpers/podvisor-process.ts';
import { HARDENED, IMAGE, NODE_BASE_IMAGE, RUN_FLAGS, VERSION, get, podman, prepareImage, processesIn, releaseImages, runContainer, waitForContainerLogs, waitForExit, waitForStatus, type Container } from './podman.ts';

const DRAIN_SECONDS = 5;
const KILL_GRACE_MS = 1000;

describe('the podvisor image', { timeout: 900_000 }, () => {
  before(prepareImage);
  after(releaseImages);

  it('is labelled and configured as documented: numeric non-root user, podvisor entrypoint, no CMD, SIGTERM, ports', async () => {
    const config = JSON.parse(await podman(['image', 'inspect', IMAGE, '--format', '{{json .Config}}'])) as {
      User: string; Entrypoint: string[]; Cmd: string[] | null; StopSignal: string; ExposedPorts: Record<string, object>; Labels: Record<string, string>;
    };
    assert.equal(config.User, '1000:1000');
    assert.deepEqual(config.Entrypoint, ['podvisor']);
    assert.ok(config.Cmd === null || config.Cmd === undefined || config.Cmd.length === 0, `CMD is ${JSON.stringify(config.Cmd)}`);
    assert.equal(config.StopSignal, 'SIGTERM');
    assert.deepEqual(Object.keys(config.ExposedPorts).sort(), ['8080/tcp', '9464/tcp']);
    assert.equal(config.Labels['org.opencontainers.image.title'], 'podvisor');
    assert.equal(config.Labels['org.opencontainers.image.version'], VERSION);
    assert.equal(config.Labels['org.opencontainers.image.licenses'], 'Apache-2.0');
    const size = Number(await podman(['image', 'inspect', IMAGE, '--format', '{{.Size}}']));
    const baseSize = Number(await podman(['image', 'inspect', NODE_BASE_IMAGE, '--format', '{{.Size}}']));
    const parts = await podman(['run', '--rm', ...RUN_FLAGS, '--entrypoint', 'node', IMAGE, '-e', `
      const { statSync, readdirSync } = require('node:fs');
      const bytes = (path) => { const stat = statSync(path); return stat.isDirectory() ? readdirSync(path).reduce((sum, entry) => sum + bytes(path + '/' + entry), 0) : stat.size; };
      console.log(JSON.stringify({ node: bytes('/opt/podvisor/node_modules/node'), opt: bytes('/opt/podvisor'), lib: bytes('/usr/lib'), bin: bytes('/usr/bin') }));`]);
    const { node, opt, lib, bin } = JSON.parse(parts) as Record<string, number>;
    const mb = (bytes: number | undefined): string => ((bytes ?? 0) / 1e6).toFixed(1);
    console.log(`# image size: ${mb(size)} MB (${NODE_BASE_IMAGE}, the build stage's base: ${mb(baseSize)} MB); /opt/podvisor ${mb(opt)} MB of which Node ${mb(node)} MB; /usr/lib ${mb(lib)} MB; /usr/bin ${mb(bin)} MB`);
  });

  it('holds a shell and a few tools, but no package manager, npm or anything else of Debian', async () => {
    const listing = await podman(['run', '--rm', ...RUN_FLAGS, '--entrypoint', 'sh', IMAGE, '-c',
      'ls /usr/bin; echo ---; for tool in npm apt-get dpkg bash python3; do command -v $tool; done; echo ---; ls /var/lib/dpkg/status.d']);
    const [tools, absent, packages] = listing.split('---\n') as [string, string, string];
    assert.deepEqual(tools.trim().split('\n').sort(),
      ['cat', 'chmod', 'chown', 'cp', 'dash', 'env', 'head', 'id', 'ln', 'ls', 'mkdir', 'mv', 'readlink', 'rm', 'sh', 'sleep', 'tail', 'touch']);
    assert.equal(absent.trim(), '', 'no npm, apt-get, dpkg or bash');
    // The Debian packages the files come from, for image scanners.
    assert.ok(['libc6', 'libstdc++6', 'libgcc-s1', 'dash', 'coreutils'].every((name) => packages.split('\n').includes(name)), packages);
  });

  it('ships only Node, the bundle, koffi and the launcher in /opt/podvisor: no Kubernetes client tree', async () => {
    const listing = await podman(['run', '--rm', ...RUN_FLAGS, '--entrypoint', 'sh', IMAGE, '-c',
      'ls /opt/podvisor; echo ---; ls /opt/podvisor/node_modules; echo ---; command -v podvisor; podvisor --version']);
    const [top, modules, onPath] = listing.split('---\n') as [string, string, string];
    assert.deepEqual(top.trim().split('\n').sort(), ['bin', 'dist', 'node_modules', 'package.json']);
    assert.deepEqual(modules.trim().split('\n').sort(), ['@koromix', 'koffi', 'node']);
    assert.match(onPath, /^\/usr\/local\/bin\/podvisor\npodvisor \d+\.\d+\.\d+/);
  });

  it('also runs as an arbitrary uid with group 0 (as OpenShift assigns), read-only', async () => {
    const output = await podman(['run', '--rm', ...RUN_FLAGS, ...HARDENED, '--user', '123456:0', '-e', 'PODVISOR_HTTP_PORT=0', IMAGE,
      '--', 'sh', '-c', 'echo "server as $(id -u)"; exit 0']);
    assert.match(output, /server as 123456/);
  });

  describe('running the reference server as PID 1, read-only, as uid 1000, without capabilities', () => {
    let container: Container;
    let metricsPort: number;
    let streamPort: number;

    before(async () => {
      metricsPort = await freePort();
      streamPort = await freePort();
      container = await runContainer(
        [...HARDENED, '-p', `127.0.0.1:${metricsPort}:9464`, '-p', `127.0.0.1:${streamPort}:8080`,
          '-e', `PODVISOR_DRAIN_SECONDS=${DRAIN_SECONDS}`, '-e', `PODVISOR_KILL_GRACE_MS=${KILL_GRACE_MS}`],
        IMAGE,
      );
      await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200, 60_000);
    });
    after(async () => {
      await container.remove();
    });

    it('runs podvisor as PID 1, as uid 1000, with no effective capabilities, on a read-only root', async () => {
      const status = await container.exec(['cat', '/proc/1/status']);
      assert.match(status, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      assert.match(status, /^CapEff:\s+0+$/m);
      // node, bin/podvisor's V8 flags, then podvisor itself.
      assert.match(await container.exec(['cat', '/proc/1/cmdline']), /node\0(--[^\0]+\0)*\/opt\/podvisor\/dist\/podvisor\.cjs\0/);
      const write = await podman(['exec', container.name, 'sh', '-c', 'touch /opt/podvisor/x 2>&1; echo "exit=$?"; touch /tmp/x && echo tmp-ok']);
      assert.match(write, /Read-only file system/);
      assert.match(write, /tmp-ok/);
      const [started] = await waitForContainerLogs(container, (line) => line.msg === 'server started');
      assert.deepEqual(started?.command, ['/opt/podvisor/node_modules/node/bin/node', '/opt/podvisor/dist/reference-server.js']);
      assert.equal(started?.pid, 1);
    });

    it('serves /metrics, /healthz and /readyz on the published port, and the stream on 8080', async () => {
      const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(metrics?.status, 200);
      assert.match(metrics?.body ?? '', /^podvisor_server_state\{state="running"\} 1$/m);
      assert.match(metrics?.body ?? '', /^podvisor_server_up 1$/m);
      assert.equal((await get(`http://127.0.0.1:${metricsPort}/healthz`))?.status, 200);
      const home = await get(`http://127.0.0.1:${streamPort}/`);
      assert.equal(home?.status, 200);
      assert.equal((JSON.parse(home?.body ?? '{}') as { state: string }).state, 'running');
    });

    it("records the supervisor's RSS inside the container", async () => {
      const status = await container.exec(['cat', '/proc/1/status']);
      const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
      const serverPid = (await processesIn(container)).find((process) => process.ppid === 1)?.pid;
      const serverStatus = serverPid === undefined ? '' : await container.exec(['cat', `/proc/${serverPid}/status`]);
      const serverRssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(serverStatus)?.[1]);
      assert.ok(rssKb > 0);
      console.log(`# RSS of podvisor (PID 1) in the container, reference server running, idle: ${(rssKb / 1024).toFixed(1)} MiB; the reference server: ${(serverRssKb / 1024).toFixed(1)} MiB`);
    });

    it('restarts the server in place on `podman kill -s INT`; the container keeps running', async () => {
      const before = (await container.podvisorLogs()).filter((line) => line.msg === 'server started').length;
      await podman(['kill', '--signal', 'INT', container.name]);
      await waitForContainerLogs(container, (line) => line.msg === 'restarting the server' && line.reason === 'sigint');
      await waitForContainerLogs(container, (line) => line.msg === 'server started', before + 1);
      assert.equal(await container.inspect('{{.State.Running}}'), 'true');
      await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200);
      const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.match(metrics?.body ?? '', /^podvisor_server_restarts_total\{reason="sigint"\} 1$/m);
    });

    it('podvisor ctl as `kubectl exec` runs it, with no shell or kill: status, then restart', async () => {
      // The test before sent a SIGINT: a second within 3 s would be Ctrl-C twice, a shutdown (docs/shutdown.md).
      await new Promise((resolve) => setTimeout(resolve, 3100));
      const status = await podman(['exec', container.name, 'podvisor', 'ctl', 'status']);
      assert.match(status, /^podvisor \S+ \(PID 1\), up .*\n {2}state {5}running\n {2}server {4}pid (\d+), up .*, 0 sessions\n/);
      const restarts = Number(/^ {2}restarts {2}(\d+)$/m.exec(status)?.[1]);
      const restart = await podman(['exec', container.name, 'podvisor', 'ctl', 'restart']);
      assert.match(restart, new RegExp(`^SIGINT sent to podvisor \\(PID 1\\): restarting the server \\(pid \\d+\\)\nthe server runs again: pid \\d+ \\(was \\d+\\), restarts ${restarts + 1}\n$`));
      assert.equal(await container.inspect('{{.State.Running}}'), 'true');
      await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200);
    });

    it('drains an open stream and exits 0 within the grace on `podman stop`', async () => {
      const abort = new AbortController();
      const response = await fetch(`http://127.0.0.1:${streamPort}/live/container-test`, { signal: abort.signal });
      assert.equal(response.status, 200);
      const body = response.text().catch((error: unknown) => `stream error: ${String(error)}`);
      await eventually(async () => /podvisor_server_sessions 1$/m.test((await get(`http://127.0.0.1:${metricsPort}/metrics`))?.body ?? ''), 'the stream to count as a session');
      const grace = DRAIN_SECONDS + KILL_GRACE_MS / 1000;
      const started = performance.now();
      // podman's own timeout well past podvisor's: podvisor must finish by itself, not be SIGKILLed by podman.
      await podman(['stop', '--time', String(Math.ceil(grace) + 30), container.name], 120_000);
      const seconds = (performance.now() - started) / 1000;
      abort.abort();
      assert.equal(await waitForExit(container), 0);
      assert.ok(seconds < grace + 5, `podman stop took ${seconds.toFixed(1)} s; the grace is ${grace} s`);
      const drained = await waitForContainerLogs(container, (line) => line.msg === 'server drained');
      assert.equal(drained.at(-1)?.outcome, 'drained');
      await waitForContainerLogs(container, (line) => line.msg === 'podvisor exiting' && line.exitStatus === 0);
      assert.match(await body, /"final":true/);
    });
  });

  it('kills a server that ignores SIGTERM once the drain and kill grace are spent: exit 137, well inside the pod grace', async () => {
    const drainSeconds = 1;
    const killGraceMs = 500;
    const container = await runContainer(
      [...HARDENED, '-e', `PODVISOR_DRAIN_SECONDS=${drainSeconds}`, '-e', `PODVISOR_KILL_GRACE_MS=${killGraceMs}`, '-e', 'PODVISOR_HTTP_PORT=0',
        '-v', `${join(FIXTURES, 'ignore-term.sh')}:/fixtures/ignore-term.sh:ro`],
      IMAGE,
      ['--', 'sh', '/fixtures/ignore-term.sh', '/tmp/pids'],
    );
    try {
      await waitForContainerLogs(container, (line) => line.msg === 'server started');
      const started = performance.now();
      await podman(['stop', '--time', '60', container.name], 120_000);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(await waitForExit(container), 137);
      const [drain] = await waitForContainerLogs(container, (line) => line.msg === 'drain deadline passed: process group killed');
      assert.equal(drain?.outcome, 'killed');
      // The chart gives the kubelet drainSeconds + killGraceMs + 5 s; podvisor must be done well before podman's 60.
      assert.ok(seconds < drainSeconds + killGraceMs / 1000 + 5, `podman stop took ${seconds.toFixed(1)} s`);
      console.log(`# podman stop of a server ignoring SIGTERM (drain ${drainSeconds} s + kill grace ${killGraceMs} ms): ${seconds.toFixed(2)} s, exit 137`);
    } finally {
      await container.remove();
    }
  });

  describe("configured as the Helm chart's pod configures it", () => {
    let container: Container;
    let prefsDirectory: string;
    let metricsPort: number;

    /** Replaces the prefs file the way the kubelet updates a ConfigMap volume: a new file renamed into place. */
    function writePrefs(autoRestart: boolean): void {
      const next = join(prefsDirectory, '.prefs.yaml.next');
      writeFileSync(next, `autoRestart: ${autoRestart}\n`);
      chmodSync(next, 0o644);
      renameSync(next, join(prefsDirectory, 'prefs.yaml'));
    }

    before(async () => {
      const objects = await render();
      const variables = [...environment(podvisorContainer(objects))].filter(([, value]) => !value.startsWith('{'));
      prefsDirectory = mkdtempSync(join(tmpdir(), 'podvisor-prefs-'));
      chmodSync(prefsDirectory, 0o755);
      writePrefs(true);
      metricsPort = await freePort();
      container = await runContainer(
        [
          // The chart's securityContext and volumes, as podman flags.
          '--user', '1000:1000', ...HARDENED, '--tmpfs', '/tmp', '-v', `${prefsDirectory}:/etc/podvisor:ro`,
          '-p', `127.0.0.1:${metricsPort}:9464`,
          // The Downward API's values, as a pod would have them.
          '-e', 'POD_NAME=podvisor-0', '-e', 'POD_NAMESPACE=default', '-e', 'POD_UID=00000000-0000-0000-0000-000000000000',
          ...variables.flatMap(([name, value]) => ['-e', `${name}=${value}`]),
        ],
        IMAGE,
      );
      await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200, 60_000);
    });
    after(async () => {
      await container?.remove();
      rmSync(prefsDirectory, { recursive: true, force: true });
    });

    it('honours autoRestart turned off in the mounted prefs file: reloads it on SIGHUP, then does not restart', async () => {
      writePrefs(false);
      await podman(['kill', '--signal', 'HUP', container.name]);
      const [reloaded] = await waitForContainerLogs(container, (line) => line.msg === 'prefs reloaded' && line.autoRestart === false);
      assert.equal(reloaded?.trigger, 'sighup');
      const server = (await processesIn(container)).find((process) => process.ppid === 1);
      assert.ok(server !== undefined, 'no server process under PID 1');
      await container.exec(['sh', '-c', `kill -KILL ${server.pid}`]);
      // The server died of SIGKILL; with auto-restart off podvisor exits with its status, 128 + 9.
      assert.equal(await waitForExit(container), 137);
      const [exiting] = await waitForContainerLogs(container, (line) => line.msg === 'podvisor exiting');
      assert.equal(exiting?.exitStatus, 137);
      const logs = await container.podvisorLogs();
      assert.equal(logs.filter((line) => line.msg === 'server started').length, 1);
      assert.equal(logs.filter((line) => line.msg === 'restarting the server').length, 0);
    });
  });
});
