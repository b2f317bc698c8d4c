// A user's project installs podvisor the two ways npm offers for a package that is not on a registry: from a
// packed tarball (`npm pack`) and from a git URL (a bare clone of this checkout, file://, stands in for a hosted
// repository; npm then installs podvisor's devDependencies and runs its `prepare` build itself). Each project
// lives in a temporary directory outside the checkout, type-checks the server kit with its own tsc, and runs the
// README's kit example under its own node_modules/.bin/podvisor. Everything is removed afterwards.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, NODE, ROOT, freePort, startPodvisor, type RunningPodvisor } from '../helpers/podvisor-process.ts';
import { runToolOk } from '../helpers/tools.ts';

/** What the package may ship: the launcher, the bundle with its declarations, and npm's own files. */
const SHIPPED = /^(package\.json|README\.md|LICENSE|bin\/podvisor|dist\/.+\.(js|cjs|d\.ts))$/;

/** The versions the checkout type-checks with, so that the project's tsc sees what podvisor's does. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The environment of a user's shell: Node 24 first on PATH, and none of the npm_* variables that `npm test`
 * hands its scripts (they would configure the project's npm as if it were podvisor's checkout).
 */
function userEnvironment(): NodeJS.ProcessEnv {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...environment, PATH: `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}` };
}

function npm(args: readonly string[], cwd: string): Promise<string> {
  return runToolOk('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, env: userEnvironment(), timeout: 600_000 });
}

/** Every file under `directory`, relative to it, with forward slashes. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

/** A new project in `directory` with the kit example as server.mjs and a TypeScript file that uses the kit's types. */
function createProject(directory: string): void {
  mkdirSync(directory);
  writeFileSync(join(directory, 'package.json'), `${JSON.stringify({ name: 'my-server', private: true, type: 'module' }, null, 2)}\n`);
  copyFileSync(join(FIXTURES, 'kit-example-server.mjs'), join(directory, 'server.mjs'));
  writeFileSync(join(directory, 'typed.ts'), [
    "import { createServerKit, SERVER_STATES, type ServerState, type Session } from 'podvisor/server';",
    '',
    'const kit = createServerKit({ drainSeconds: 1 });',
    'const state: ServerState = kit.state;',
    'const session: Session | undefined = kit.openSession({ end: () => undefined, kill: () => undefined });',
    '// @ts-expect-error a state no server may set: fails to compile only if the declarations are typed (not any)',
    "kit.setState('bogus');",
    'export const summary = { state, open: session !== undefined, states: SERVER_STATES.length };',
    '',
  ].join('\n'));
  // The example is JavaScript: checkJs type-checks it against the kit's declarations too. skipLibCheck off, so
  // that an error inside podvisor's .d.ts files fails the check.
  writeFileSync(join(directory, 'tsconfig.json'), `${JSON.stringify({
    compilerOptions: {
      module: 'nodenext', target: 'es2022', strict: true, noEmit: true, allowJs: true, checkJs: true, skipLibCheck: false, types: ['node'],
    },
    include: ['server.mjs', 'typed.ts'],
  }, null, 2)}\n`);
}

/**
 * What podvisor's code depends on at run time. All but koffi (a native addon) are inside the bundle; they are
 * declared all the same, as what the product is built on.
 */
const RUNTIME_DEPENDENCIES = ['@kubernetes/client-node', 'env-var', 'koffi', 'pino', 'prom-client', 're2js', 'yaml'];

/** The installed package: only what runs, its declarations where "types" says, and its declared dependencies. */
function assertInstalledPackage(project: string): void {
  const installed = join(project, 'node_modules', 'podvisor');
  const unexpected = filesUnder(installed).filter((file) => !SHIPPED.test(file));
  assert.deepEqual(unexpected, [], 'the package ships bin/, dist/ and npm\'s own files only');
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>; exports: Record<string, { types?: string; default?: string } | string>;
  };
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), RUNTIME_DEPENDENCIES);
  const kit = manifest.exports['./server'];
  assert.ok(typeof kit === 'object' && kit.types !== undefined && kit.default !== undefined);
  assert.match(kit.types, /^\.\/dist\/.+\.d\.ts$/);
  assert.ok(existsSync(join(installed, kit.types)), `${kit.types} is in the package`);
  assert.ok(existsSync(join(installed, kit.default)), `${kit.default} is in the package`);
}

/** The project's own tsc over the example and typed.ts. */
async function typeCheck(project: string): Promise<void> {
  await runToolOk(join(project, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: project, env: userEnvironment() });
}

/**
 * The README's kit example under the project's podvisor: ready through the kit, one streaming session counted,
 * then SIGTERM: the stream gets the example's goodbye and podvisor exits 0.
 */
async function runExample(project: string, running: RunningPodvisor[]): Promise<void> {
  const port = await freePort();
  const http = await freePort();
  const podvisor = startPodvisor({
    executable: join(project, 'node_modules', '.bin', 'podvisor'),
    command: ['node', 'server.mjs'],
    env: { ...userEnvironment(), PORT: String(port), PODVISOR_HTTP_PORT: String(http), PODVISOR_HTTP_HOST: '127.0.0.1', PODVISOR_LOG_LEVEL: 'info' },
    spawnOptions: { cwd: project },
  });
  running.push(podvisor);
  const started = await podvisor.waitForLog((line) => line.msg === 'server started', 30_000);
  assert.deepEqual(started['command'], ['node', 'server.mjs']);
  const response = await waitForAnswer(`http://127.0.0.1:${port}/`);
  assert.equal(response.status, 200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let body = decoder.decode((await reader.read()).value);
  const status = await waitForSessions(http, 1);
  assert.equal(status['state'], 'running');
  podvisor.signal('SIGTERM');
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) body += decoder.decode(chunk.value);
  assert.match(body, /bye: the server is shutting down\n$/);
  assert.equal(await podvisor.exited(), 0);
}

async function waitForAnswer(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function waitForSessions(http: number, sessions: number, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let status: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    status = await (await fetch(`http://127.0.0.1:${http}/status`)).json() as Record<string, unknown>;
    if (status['sessions'] === sessions) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`podvisor's /status did not count ${sessions} session(s) within ${timeoutMs} ms: ${JSON.stringify(status)}`);
}

describe('podvisor installed into a project of its own', { timeout: 900_000 }, () => {
  let scratch: string;
  const running: RunningPodvisor[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'podvisor-package-'));
    assert.ok(relative(ROOT, scratch).startsWith('..'), `${scratch} is outside the checkout ${ROOT}`);
  });
  after(() => {
    for (const podvisor of running) podvisor.kill();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('packs only what runs: bin/, dist/ with the kit\'s .d.ts files, no sources or tests', async () => {
    // npm pack runs `prepare` first, so the tarball holds a fresh build of this checkout.
    const name = (await npm(['pack', '--pack-destination', scratch, '--silent'], ROOT)).trim().split('\n').at(-1) as string;
    const listing = (await runToolOk('tar', ['-tzf', join(scratch, name)])).trim().split('\n').map((entry) => entry.replace(/^package\//, ''));
    assert.deepEqual(listing.filter((file) => !SHIPPED.test(file)), [], 'nothing but what SHIPPED allows');
    for (const file of ['bin/podvisor', 'dist/podvisor.cjs', 'dist/main.cjs', 'dist/observers.js', 'dist/podvisor.js', 'dist/server.js', 'dist/types/server/index.d.ts']) assert.ok(listing.includes(file), `${file} is packed`);
    assert.ok(!listing.some((file) => file.startsWith('src/') || file.startsWith('test/')), 'no src/ or test/');
  });

  it('from the packed tarball: installs, type-checks with the project\'s tsc, runs the kit example under podvisor', async () => {
    const tarball = readdirSync(scratch).find((file) => file.endsWith('.tgz'));
    assert.ok(tarball !== undefined, 'the pack test made a tarball');
    const project = join(scratch, 'from-tarball');
    createProject(project);
    await npm(['install', join(scratch, tarball), `typescript@${installedVersion('typescript')}`, `@types/node@${installedVersion('@types/node')}`], project);
    assertInstalledPackage(project);
    await typeCheck(project);
    await runExample(project, running);
  });

  it('from a git URL: npm builds it (prepare, with its devDependencies), then the same checks', async () => {
    // The checkout as it is now: `git stash create` makes a commit of the tracked files' uncommitted changes
    // (and prints nothing when there are none). Files not yet added to git are not in it.
    const head = (await runToolOk('git', ['-C', ROOT, 'stash', 'create'])).trim() || (await runToolOk('git', ['-C', ROOT, 'rev-parse', 'HEAD'])).trim();
    const repository = join(scratch, 'podvisor.git');
    await runToolOk('git', ['init', '--quiet', '--bare', '--initial-branch=main', repository]);
    await runToolOk('git', ['-C', ROOT, 'push', '--quiet', repository, `${head}:refs/heads/main`]);
    const project = join(scratch, 'from-git');
    createProject(project);
    await npm(['install', `git+file://${repository}#main`], project);
    assertInstalledPackage(project);
    const topLevel = readdirSync(join(project, 'node_modules')).filter((entry) => !entry.startsWith('.'));
    for (const name of ['podvisor', 'koffi', 'pino', 'prom-client', 'env-var', '@kubernetes']) assert.ok(topLevel.includes(name), name);
    assert.ok(!topLevel.includes('esbuild') && !topLevel.includes('typescript'), 'no build tool is left in the project');
    await npm(['install', '--save-dev', `typescript@${installedVersion('typescript')}`, `@types/node@${installedVersion('@types/node')}`], project);
    await typeCheck(project);
    await runExample(project, running);
  });
});
