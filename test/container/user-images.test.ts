// What users do with the image: supervise their own server (FROM the image + CMD; a Node server on the kit that
// imports podvisor/server with no install step; podvisor copied into an image without Node), including a server
// that leaves orphans behind.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, delay, freePort } from '../helpers/podvisor-process.ts';
import { derivedContainerfile, kitServerContainerfile, withoutNodeContainerfile } from './containerfiles.ts';
import { HARDENED, IMAGE, PYTHON_BASE_IMAGE, RUN_FLAGS, buildFrom, get, imageNamed, podman, prepareImage, processesIn, releaseImages, runContainer, stopArguments, waitForContainerLogs, waitForExit, waitForStatus, type Container } from './podman.ts';

const DERIVED_IMAGE = imageNamed('derived');
const KIT_IMAGE = imageNamed('kit');
const PYTHON_IMAGE = imageNamed('python');

describe('user images', { timeout: 900_000 }, () => {
  const containers: Container[] = [];
  const contexts: string[] = [];

  before(prepareImage);
  after(async () => {
    for (const container of containers) await container.remove();
    for (const directory of contexts) rmSync(directory, { recursive: true, force: true });
    await releaseImages();
  });

  function buildContext(containerfile: string, files: readonly string[]): string {
    const directory = mkdtempSync(join(tmpdir(), 'podvisor-image-'));
    contexts.push(directory);
    writeFileSync(join(directory, 'Containerfile'), containerfile);
    for (const file of files) cpSync(join(FIXTURES, file), join(directory, file));
    return directory;
  }

  it('reaps the orphans of a server that makes them: no zombie left in the container', async () => {
    const metricsPort = await freePort();
    const container = await runContainer(
      [...HARDENED, '-p', `127.0.0.1:${metricsPort}:9464`, '-v', `${join(FIXTURES, 'container-orphans.sh')}:/fixtures/container-orphans.sh:ro`],
      IMAGE,
      ['--', 'sh', '/fixtures/container-orphans.sh', '5', '3'],
    );
    containers.push(container);
    const logs = async (): Promise<string> => container.logs();
    const deadline = Date.now() + 30_000;
    while (!(await logs()).includes('container-orphans: done') && Date.now() < deadline) await delay(200);
    assert.match(await logs(), /container-orphans: done/);
    // The last orphans end 0.2 s after the last round; give them, and podvisor, a generous moment.
    const settle = Date.now() + 10_000;
    let zombies: { pid: number; name: string }[];
    do {
      await delay(500);
      zombies = (await processesIn(container)).filter((process) => process.state === 'Z');
    } while (zombies.length > 0 && Date.now() < settle);
    assert.deepEqual(zombies, [], `zombies left: ${JSON.stringify(zombies)}`);
    const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
    const reaped = Number(/^podvisor_zombies_reaped_total (\d+)$/m.exec(metrics?.body ?? '')?.[1]);
    assert.ok(reaped >= 15, `podvisor_zombies_reaped_total is ${reaped}, expected ≥ 15 (3 rounds of 5 orphans)`);
    assert.equal(await container.inspect('{{.State.Running}}'), 'true');
  });

  it('supervises the CMD of an image built FROM podvisor', async () => {
    const context = buildContext(derivedContainerfile(IMAGE), ['container-user-server.mjs']);
    await buildFrom(context, DERIVED_IMAGE);
    const metricsPort = await freePort();
    const serverPort = await freePort();
    const container = await runContainer([...HARDENED, '-p', `127.0.0.1:${metricsPort}:9464`, '-p', `127.0.0.1:${serverPort}:3000`], DERIVED_IMAGE);
    containers.push(container);
    await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200, 60_000);
    assert.equal((await get(`http://127.0.0.1:${serverPort}/healthz`))?.status, 200);
    const [started] = await waitForContainerLogs(container, (line) => line.msg === 'server started');
    assert.deepEqual(started?.command, ['node', 'server.mjs']);
    await podman(stopArguments(container.name), 60_000);
    assert.equal(await waitForExit(container), 0);
    assert.match(await container.logs(), /user server: SIGTERM, closing/);
  });

  it("runs a kit server in /app that imports podvisor/server, with no install step (the README's kit example)", async () => {
    const context = buildContext(kitServerContainerfile(IMAGE), ['kit-example-server.mjs']);
    await buildFrom(context, KIT_IMAGE);
    const metricsPort = await freePort();
    const serverPort = await freePort();
    const container = await runContainer([...HARDENED, '-p', `127.0.0.1:${metricsPort}:9464`, '-p', `127.0.0.1:${serverPort}:3000`], KIT_IMAGE);
    containers.push(container);
    await waitForContainerLogs(container, (line) => line.msg === 'server started');
    // The example streams forever, so its first answer is the test of its start (readiness `auto` counts a server
    // as running from its spawn until the kit's first report, so /readyz cannot tell).
    const abort = new AbortController();
    let response: Response | undefined;
    for (const deadline = Date.now() + 60_000; response === undefined && Date.now() < deadline;) {
      response = await fetch(`http://127.0.0.1:${serverPort}/`, { signal: abort.signal }).catch(() => undefined);
      if (response === undefined) await delay(200);
    }
    assert.equal(response?.status, 200, 'the kit example answers');
    await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200);
    const body = (response as Response).text().catch((error: unknown) => `stream error: ${String(error)}`);
    const sessions = async (): Promise<string> => (await get(`http://127.0.0.1:${metricsPort}/metrics`))?.body ?? '';
    const deadline = Date.now() + 15_000;
    while (!/^podvisor_server_sessions 1$/m.test(await sessions()) && Date.now() < deadline) await delay(200);
    assert.match(await sessions(), /^podvisor_server_sessions 1$/m, 'the kit reports its session to podvisor');
    await podman(stopArguments(container.name), 60_000);
    assert.equal(await waitForExit(container), 0);
    assert.match(await body, /bye: the server is shutting down\n$/);
    abort.abort();
  });

  it('adds podvisor to an image without Node with one COPY: a Python server as PID 1\'s child, metrics, podman stop → 0', async () => {
    await buildFrom(buildContext(withoutNodeContainerfile(IMAGE), []), PYTHON_IMAGE);
    const size = Number(await podman(['image', 'inspect', PYTHON_IMAGE, '--format', '{{.Size}}']));
    const baseSize = Number(await podman(['image', 'inspect', PYTHON_BASE_IMAGE, '--format', '{{.Size}}']));
    console.log(`# podvisor copied into ${PYTHON_BASE_IMAGE} (${(baseSize / 1e6).toFixed(1)} MB): ${(size / 1e6).toFixed(1)} MB, +${((size - baseSize) / 1e6).toFixed(1)} MB`);
    const lookAround = await podman(['run', '--rm', ...RUN_FLAGS, '--entrypoint', 'sh', PYTHON_IMAGE, '-c', 'command -v node || echo no node on PATH']);
    assert.equal(lookAround.trim(), 'no node on PATH');

    const metricsPort = await freePort();
    const serverPort = await freePort();
    const container = await runContainer(
      [...HARDENED, '--user', '1000:1000', '-e', 'PODVISOR_READINESS=tcp:8000', '-p', `127.0.0.1:${metricsPort}:9464`, '-p', `127.0.0.1:${serverPort}:8000`],
      PYTHON_IMAGE,
    );
    containers.push(container);
    await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200, 60_000);
    assert.equal((await get(`http://127.0.0.1:${serverPort}/`))?.status, 200, 'python3 -m http.server answers');
    // bin/podvisor execs Node with its own flags (--disable-sigusr1, …) before dist/podvisor.js.
    assert.match(await container.exec(['cat', '/proc/1/cmdline']), /^\/opt\/podvisor\/node_modules\/node\/bin\/node\0(--[a-z0-9=-]+\0)*\/opt\/podvisor\/dist\/podvisor\.js\0/);
    const [started] = await waitForContainerLogs(container, (line) => line.msg === 'server started');
    assert.deepEqual(started?.command, ['python3', '-m', 'http.server', '8000']);
    const metrics = (await get(`http://127.0.0.1:${metricsPort}/metrics`))?.body ?? '';
    assert.match(metrics, /^podvisor_server_state\{state="running"\} 1$/m);
    assert.match(metrics, /^podvisor_server_up 1$/m);
    await podman(stopArguments(container.name), 60_000);
    // python3 dies of the SIGTERM podvisor passed on: that is a clean stop, podvisor exits 0.
    assert.equal(await waitForExit(container), 0);
    await waitForContainerLogs(container, (line) => line.msg === 'podvisor exiting' && line.exitStatus === 0);
  });
});
