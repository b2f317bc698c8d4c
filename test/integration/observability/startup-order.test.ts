import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../helpers/podvisor-process.ts';

/**
 * Every file the ESM bundle loads before the spawn: the entry, the chunks the entry itself imports (statically, or
 * at once with import(), as it loads podvisor's main after installing its signal handlers), and their static
 * imports, transitively.
 */
function staticallyLoaded(entry: string, only: (chunk: string) => boolean = () => true): Map<string, string> {
  const loaded = new Map<string, string>();
  const entryText = readFileSync(entry, 'utf8');
  const imported = [...entryText.matchAll(/import\("(\.[^"]+)"\)/g)].map((match) => match[1] as string).filter(only);
  const pending = [entry, ...imported.map((chunk) => join(entry, '..', chunk))];
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
  it('loads neither prom-client, the HTTP listener nor the regex engine before the server is spawned', () => {
    // `podvisor ctl` (its own chunk) is a short-lived command beside podvisor, not on the way to the spawn.
    const loaded = staticallyLoaded(join(ROOT, 'dist', 'podvisor.js'), (chunk) => !/\/ctl-[^/]+\.js$/.test(chunk));
    assert.ok(loaded.size >= 2, 'the entry and its chunks were followed');
    for (const [file, text] of loaded) {
      assert.doesNotMatch(text, /openmetrics-text|collectDefaultMetrics/, `${file} holds prom-client`);
      assert.doesNotMatch(text, /from "node:http"/, `${file} loads node:http`);
      // The regex engine loads only for a regex rule (docs/security.md).
      assert.doesNotMatch(text, /RE2JSSyntaxException/, `${file} holds re2js`);
    }
    // …and they are there, behind the dynamic import that runs after the spawn (in the entry or a chunk it loads).
    assert.ok(
      [...loaded.values()].some((text) => /import\("\.\/(chunks\/)?start-observers-[^"]+\.js"\)/.test(text)),
      'start-observers is imported dynamically',
    );
  });

  it('podvisor ctl loads its own small chunk: neither pino, prom-client, the Kubernetes client nor node:http', () => {
    const loaded = staticallyLoaded(join(ROOT, 'dist', 'podvisor.js'), (chunk) => /\/ctl-[^/]+\.js$/.test(chunk));
    assert.ok([...loaded.keys()].some((file) => /\/ctl-[^/]+\.js$/.test(file)), 'the ctl chunk was followed');
    for (const [file, text] of loaded) {
      // esbuild names every bundled module in a comment: // node_modules/pino/pino.js
      assert.doesNotMatch(text, /node_modules\/(pino|sonic-boom|prom-client|@kubernetes\/client-node|yaml|re2js)\//, `${file} bundles a library ctl does not need`);
      assert.doesNotMatch(text, /openmetrics-text|collectDefaultMetrics/, `${file} holds prom-client`);
      assert.doesNotMatch(text, /from "node:http"/, `${file} loads node:http (~30 ms of start-up)`);
    }
  });
});
