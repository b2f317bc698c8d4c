// The layers of docs/architecture.md, held against every import of src/: imports run from higher layers to
// lower ones only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/podvisor-process.ts';

const LAYERS: Readonly<Record<string, number>> = {
  cli: 5,
  'reference-server': 5,
  observers: 4,
  server: 4,
  supervisor: 3,
  output: 2,
  readiness: 2,
  process: 2,
  config: 1,
  pid1: 1,
  ipc: 1,
  files: 1,
};
/** Imports between folders of one layer that the architecture allows. */
const ALLOWED_SIDEWAYS = new Set(['readiness→config', 'output→config', 'process→pid1', 'process→ipc', 'output→ipc', 'config→ipc', 'pid1→ipc', 'config→files']);

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

it('every import of src/ runs from a higher layer to a lower one (or sideways where allowed)', () => {
  const src = join(ROOT, 'src');
  const wrong: string[] = [];
  for (const file of sources(src)) {
    const from = relative(src, file).split('/')[0] as string;
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(src, join(dirname(file), match[1] as string)).split('/')[0] as string;
      if (target === from) continue;
      const [a, b] = [LAYERS[from], LAYERS[target]];
      assert.ok(a !== undefined && b !== undefined, `${file}: an unknown folder (${from} → ${target})`);
      if (a > b || ALLOWED_SIDEWAYS.has(`${from}→${target}`)) continue;
      wrong.push(`${relative(ROOT, file)} imports ${match[1]} (${from}, layer ${a} → ${target}, layer ${b})`);
    }
  }
  assert.deepEqual(wrong, []);
});
