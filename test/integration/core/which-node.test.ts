// bin/podvisor finds a Node to run on: its own (the `node` package in its node_modules, as in a checkout and the
// image), the one beside it when podvisor is a dependency (npm install node@24), else the node on PATH — which
// must be 22.19 or newer, or podvisor says so (field: Node 20 on PATH printed "node: bad option: --disable-sigusr1").
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../../helpers/podvisor-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'podvisor-which-node-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A project with podvisor installed as a dependency: node_modules/podvisor with its bin and its built dist. */
function project(name: string, options: { readonly nodeBeside: boolean }): string {
  const root = join(dir, name);
  const installed = join(root, 'node_modules', 'podvisor');
  mkdirSync(join(installed, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'podvisor'), join(installed, 'bin', 'podvisor'));
  for (const entry of ['dist', 'package.json']) symlinkSync(join(ROOT, entry), join(installed, entry));
  // Its own dependencies, but not the `node` package a checkout has (that is the case below, beside it).
  mkdirSync(join(installed, 'node_modules'));
  for (const dependency of ['koffi', '@koromix']) symlinkSync(join(ROOT, 'node_modules', dependency), join(installed, 'node_modules', dependency));
  if (options.nodeBeside) {
    mkdirSync(join(root, 'node_modules', 'node', 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(root, 'node_modules', 'node', 'bin', 'node'));
  }
  return join(installed, 'bin', 'podvisor');
}

/** A PATH of one directory holding only `node` (when given) and the few tools bin/podvisor's shell uses. */
function pathWith(node: string | undefined, name: string): string {
  const bin = join(dir, `${name}-path`);
  mkdirSync(bin);
  if (node !== undefined) symlinkSync(node, join(bin, 'node'));
  symlinkSync('/usr/bin/readlink', join(bin, 'readlink'));
  return bin;
}

function run(podvisor: string, path: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(podvisor, ['--version'], { env: { PATH: path, HOME: dir }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/podvisor: which Node it runs on', () => {
  it('podvisor as a dependency with node@24 beside it: runs on that one, whatever node is on PATH', () => {
    const result = run(project('beside', { nodeBeside: true }), pathWith(undefined, 'beside'));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\d+\.\d+\.\d+/);
  });

  it('no node anywhere: exit 2, "no node on PATH" and what it needs', () => {
    const result = run(project('none', { nodeBeside: false }), pathWith(undefined, 'none'));
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'podvisor: no node on PATH; podvisor needs Node 22.19 or newer (24 LTS recommended)\n');
  });

  it("the machine's Node 20 on PATH: exit 2 naming its version, instead of Node's \"bad option\"", () => {
    // Machines of this kind come with Debian's Node 20 (README, "Install, start, test").
    const old = '/usr/bin/node';
    const version = execFileSync(old, ['--version'], { encoding: 'utf8' }).trim();
    assert.match(version, /^v(1\d|2[01]|22\.(\d|1[0-8]))\./, `this test needs a Node older than 22.19 at ${old}; it is ${version}`);
    const result = run(project('old', { nodeBeside: false }), pathWith(old, 'old'));
    assert.equal(result.status, 2);
    assert.equal(result.stderr, `podvisor: the node on PATH is ${version}; podvisor needs Node 22.19 or newer (24 LTS recommended): put one first on PATH, or npm install node@24 beside podvisor\n`);
  });

  it('Node 24 on PATH and none beside: runs on it', () => {
    const result = run(project('path', { nodeBeside: false }), pathWith(process.execPath, 'path'));
    assert.equal(result.status, 0, result.stderr);
  });
});
