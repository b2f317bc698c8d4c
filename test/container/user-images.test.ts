// What users do with the image: supervise their own server (FROM the image + CMD, or podvisor copied into an
// image of their own), including a server that leaves orphans behind.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, delay, freePort } from '../helpers/podvisor-process.ts';
import { runTool } from '../helpers/tools.ts';
import { IMAGE, buildFrom, buildImage, get, podman, processesIn, runContainer, waitForContainerLogs, waitForExit, waitForStatus, type Container } from './podman.ts';

const HARDENED = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'] as const;
const DERIVED_IMAGE = 'localhost/podvisor-test-derived:test';
const COPIED_IMAGE = 'localhost/podvisor-test-copied:test';

describe('user images', { timeout: 900_000 }, () => {
  const containers: Container[] = [];
  const contexts: string[] = [];

  before(async () => {
    await buildImage();
  });
  after(async () => {
    for (const container of containers) await container.remove();
    for (const directory of contexts) rmSync(directory, { recursive: true, force: true });
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
    const context = buildContext(
      [
        `FROM ${IMAGE}`,
        'COPY container-user-server.mjs ./server.mjs',
        'ENV PORT=3000 PODVISOR_READINESS=http:http://127.0.0.1:3000/healthz',
        'CMD ["node", "server.mjs"]',
        '',
      ].join('\n'),
      ['container-user-server.mjs'],
    );
    await buildFrom(context, DERIVED_IMAGE);
    const metricsPort = await freePort();
    const serverPort = await freePort();
    const container = await runContainer([...HARDENED, '-p', `127.0.0.1:${metricsPort}:9464`, '-p', `127.0.0.1:${serverPort}:3000`], DERIVED_IMAGE);
    containers.push(container);
    await waitForStatus(`http://127.0.0.1:${metricsPort}/readyz`, 200, 60_000);
    assert.equal((await get(`http://127.0.0.1:${serverPort}/healthz`))?.status, 200);
    const [started] = await waitForContainerLogs(container, (line) => line.msg === 'server started');
    assert.deepEqual(started?.command, ['node', 'server.mjs']);
    await podman(['stop', '--time', '30', container.name], 60_000);
    assert.equal(await waitForExit(container), 0);
    assert.match(await container.logs(), /user server: SIGTERM, closing/);
  });

  it('runs when podvisor and its Node are copied into an image without Node', async () => {
    const context = buildContext(
      [
        'FROM docker.io/library/node:24-bookworm-slim',
        '# Stands in for any glibc image without Node: take the base image\'s Node away.',
        'RUN rm -rf /usr/local/bin/node /usr/local/bin/npm /usr/local/bin/npx /usr/local/lib/node_modules',
        `COPY --from=${IMAGE} /opt/podvisor /opt/podvisor`,
        `COPY --from=${IMAGE} /usr/local/bin/node /opt/podvisor/node_modules/node/bin/node`,
        'ENTRYPOINT ["/opt/podvisor/bin/podvisor", "--"]',
        'CMD ["sh", "-c", "echo the user server ran; command -v node || echo no node on PATH; exit 0"]',
        '',
      ].join('\n'),
      [],
    );
    await buildFrom(context, COPIED_IMAGE);
    const container = await runContainer([...HARDENED, '--user', '1000:1000', '-e', 'PODVISOR_HTTP_PORT=0'], COPIED_IMAGE);
    containers.push(container);
    assert.equal(await waitForExit(container), 0);
    const logs = await container.logs();
    assert.match(logs, /the user server ran/);
    assert.match(logs, /no node on PATH/);
    await waitForContainerLogs(container, (line) => line.msg === 'podvisor exiting' && line.exitStatus === 0);
  });

  after(async () => {
    for (const image of [DERIVED_IMAGE, COPIED_IMAGE]) await runTool('podman', ['image', 'rm', '--force', image]);
  });
});
