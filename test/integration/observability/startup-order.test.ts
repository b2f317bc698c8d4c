import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../helpers/podvisor-process.ts';

/** Every file the ESM bundle loads before running anything: the entry and its static imports, transitively. */
function staticallyLoaded(entry: string): Map<string, string> {
  const loaded = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (loaded.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    loaded.set(file, text);
    for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"/gms)) pending.push(join(file, '..', match[1] as string));
    for (const match of text.matchAll(/^import\s*"(\.[^"]+)"/gm)) pending.push(join(file, '..', match[1] as string));
  }
  return loaded;
}

describe('start-up order (the bundle in dist/, npm run build)', () => {
  it('loads neither prom-client nor the HTTP listener before the server is spawned', () => {
    const loaded = staticallyLoaded(join(ROOT, 'dist', 'podvisor.js'));
    assert.ok(loaded.size >= 2, 'the entry and its chunks were followed');
    for (const [file, text] of loaded) {
      assert.doesNotMatch(text, /openmetrics-text|collectDefaultMetrics/, `${file} holds prom-client`);
      assert.doesNotMatch(text, /from "node:http"/, `${file} loads node:http`);
    }
    // …and they are there, behind the dynamic import that runs after the spawn (in the main chunk the entry loads
    // once its signal handlers exist).
    const entry = loaded.get(join(ROOT, 'dist', 'podvisor.js')) as string;
    const main = /import\("\.\/chunks\/(main-[^"]+\.js)"\)/.exec(entry);
    assert.ok(main, 'the entry loads the main chunk after its signal handlers');
    assert.match(readFileSync(join(ROOT, 'dist', 'chunks', main[1] as string), 'utf8'), /import\("\.\/start-observers-[^"]+\.js"\)/);
  });
});
