import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../helpers/podvisor-process.ts';

/**
 * Every file of the CommonJS bundle that `entry` requires, transitively, that `follow` accepts (by its path as
 * required: "./main.cjs", "./ctl.cjs", "./lib/yaml.cjs").
 */
function required(entry: string, follow: (path: string) => boolean): Map<string, string> {
  const loaded = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (loaded.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    loaded.set(file, text);
    for (const match of text.matchAll(/require\("(\.[^"]+)"\)/g)) if (follow(match[1] as string)) pending.push(join(file, '..', match[1] as string));
  }
  return loaded;
}

describe('start-up order (the bundle in dist/, npm run build)', () => {
  const dist = join(ROOT, 'dist');

  it('the supervision thread loads no ES module loader, neither pino, prom-client, the HTTP listener nor the regex engine', () => {
    // Not `podvisor ctl` (a short-lived command beside podvisor), nor the files of a prefs file or a regex rule (dist/lib/).
    const loaded = required(join(dist, 'podvisor.cjs'), (path) => path !== './ctl.cjs' && !path.startsWith('./lib/'));
    assert.ok(loaded.has(join(dist, 'main.cjs')), 'the entry requires main.cjs');
    for (const [file, text] of loaded) {
      assert.doesNotMatch(text, /openmetrics-text|collectDefaultMetrics|nodejs_heap_size/, `${file} holds prom-client`);
      assert.doesNotMatch(text, /require\("node:http"\)/, `${file} loads node:http`);
      assert.doesNotMatch(text, /node_modules\/(pino|sonic-boom)\//, `${file} holds pino`);
      // The regex engine loads only for a regex rule (docs/security.md).
      assert.doesNotMatch(text, /RE2JSSyntaxException/, `${file} holds re2js`);
      assert.doesNotMatch(text, /\bimport\(/, `${file} would start the ES module loader`);
    }
  });

  it('the entry installs the signal handlers before it requires the rest of podvisor', () => {
    const entry = readFileSync(join(dist, 'podvisor.cjs'), 'utf8');
    const handlers = entry.indexOf('holdSignals()');
    assert.ok(handlers !== -1 && handlers < entry.indexOf('require("./main.cjs")'));
  });

  it('the observers run in a worker thread of their own (dist/observers.js), with pino and, behind an import, prom-client and the Kubernetes client', () => {
    assert.match(readFileSync(join(dist, 'main.cjs'), 'utf8'), /new Worker\(observerThreadFile\(\)/);
    assert.ok(existsSync(join(dist, 'observers.js')));
    const observers = readFileSync(join(dist, 'observers.js'), 'utf8');
    assert.match(observers, /import\("\.\/chunks\/start-observability-[^"]+\.js"\)/, 'the HTTP port and prom-client load only when the port is on');
    assert.match(observers, /import\("\.\/chunks\/kubernetes-api-[^"]+\.js"\)/, 'the Kubernetes client loads only in a pod');
  });

  it('podvisor ctl loads its own small file: neither pino, prom-client, the Kubernetes client nor node:http', () => {
    const loaded = required(join(dist, 'podvisor.cjs'), (path) => path === './ctl.cjs');
    assert.ok(loaded.has(join(dist, 'ctl.cjs')), 'ctl.cjs was followed');
    for (const [file, text] of loaded) {
      // esbuild names every bundled module in a comment: // node_modules/pino/pino.js
      assert.doesNotMatch(text, /node_modules\/(pino|sonic-boom|prom-client|@kubernetes\/client-node|yaml|re2js)\//, `${file} bundles a library ctl does not need`);
      assert.doesNotMatch(text, /openmetrics-text|collectDefaultMetrics/, `${file} holds prom-client`);
      assert.doesNotMatch(text, /require\("node:http"\)/, `${file} loads node:http (~30 ms of start-up)`);
    }
  });
});
