// docs/packaging.md shows the podman commands and Containerfiles the container suite runs, and the Docker
// commands as the same lines without podman's host quirks. This checks they are those lines: built here from
// the constants and functions the suite itself uses, with the documented names, and looked up in the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/podvisor-process.ts';
import { derivedContainerfile, kitServerContainerfile, withoutNodeContainerfile } from './containerfiles.ts';
import { BUILD_FLAGS, HARDENED, RUN_FLAGS, derivedBuildArguments, imageBuildArguments, runArguments, stopArguments } from './podman.ts';

const DOCUMENTED_IMAGE = 'podvisor:0.1.0';
const PUBLISHED = ['-p', '127.0.0.1:8080:8080', '-p', '127.0.0.1:9464:9464'];

/** The page's fenced code blocks, each line with its shell continuations joined. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => (match[1] as string).replace(/\\\n\s*/g, ''));
}

/** `podman ARGS` as docker: without the flags only podman on the project's machines needs. */
function asDocker(args: readonly string[]): string[] {
  const quirks = new Set<string>([...BUILD_FLAGS, ...RUN_FLAGS]);
  const kept: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    // Flags with a separate value (--isolation chroot, --ulimit nofile=...) go with it.
    if (quirks.has(arg) && !arg.includes('=') && quirks.has(args[index + 1] as string)) {
      index += 1;
      continue;
    }
    if (!quirks.has(arg)) kept.push(arg);
  }
  return kept;
}

const page = readFileSync(join(ROOT, 'docs', 'packaging.md'), 'utf8');
const blocks = codeBlocks(page);
const lines = new Set(blocks.flatMap((block) => block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim())));

it('docs/packaging.md shows the podman commands the container suite runs, and the same for docker without the quirks', () => {
  const commands = [
    imageBuildArguments(DOCUMENTED_IMAGE).concat('.'),
    runArguments('podvisor', [...HARDENED, ...PUBLISHED], DOCUMENTED_IMAGE),
    stopArguments('podvisor'),
    derivedBuildArguments('Containerfile', 'my-server', '.'),
  ];
  for (const args of commands) {
    for (const line of [`podman ${args.join(' ')}`, `docker ${asDocker(args).join(' ')}`]) {
      assert.ok(lines.has(line), `docs/packaging.md has the line\n  ${line}`);
    }
  }
});

it('docs/packaging.md shows the Containerfiles of the user-image tests', () => {
  for (const containerfile of [derivedContainerfile, kitServerContainerfile, withoutNodeContainerfile]) {
    const text = containerfile(DOCUMENTED_IMAGE);
    assert.ok(blocks.includes(text), `docs/packaging.md has a dockerfile block\n${text}`);
  }
});
