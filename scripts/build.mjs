// Bundles podvisor with esbuild into dist/, in two parts:
// - the supervision thread, CommonJS (no ES module loader to start before the first spawn): dist/podvisor.cjs, the
//   entry, whose first statement installs the signal handlers and which then requires dist/main.cjs, everything
//   supervision needs in one file; the YAML parser (a prefs file) and the regex engine (a regex rule) are files of
//   their own (dist/lib/), required only when they are used. koffi stays external: it is a native addon.
// - ES modules, code split: the observer thread (dist/observers.js: pino, prom-client, the HTTP port, the Kubernetes
//   client loaded only in a pod), the server kit (podvisor/server) and the reference server.
// Then writes the kit's type declarations (dist/types/) with the TypeScript compiler, for projects that install podvisor.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const existing = (entries) => Object.fromEntries(Object.entries(entries).filter(([, path]) => existsSync(join(root, path))));

// @kubernetes/client-node's default transport imports all of undici (1.4 MB, ~100 ms to load); podvisor gives the
// client its own node:https transport, so the default is replaced by a stand-in (src/observers/kubernetes/no-default-transport.ts).
const withoutKubernetesDefaultTransport = {
  name: 'without-kubernetes-default-transport',
  setup(esbuild) {
    esbuild.onResolve({ filter: /\/isomorphic-fetch\.js$/ }, (args) =>
      args.importer.includes('@kubernetes/client-node') ? { path: join(root, 'src/observers/kubernetes/no-default-transport.ts') } : undefined);
  },
};

/** The supervision thread's files that other files of it require by path (kept out of the file that requires them). */
const SUPERVISION_FILES = { 'yaml': './lib/yaml.cjs', 're2js': './lib/re2js.cjs' };
const supervisionFiles = {
  name: 'supervision-files',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^(yaml|re2js)$/ }, (args) => (args.kind === 'entry-point' ? undefined : { path: SUPERVISION_FILES[args.path], external: true }));
    // The entry requires main.cjs (or ctl.cjs): the handlers exist before the rest of podvisor is even read.
    esbuild.onResolve({ filter: /^\.\/(main|ctl\/ctl)\.ts$/ }, (args) =>
      args.importer.endsWith(join('src', 'cli', 'podvisor.ts')) ? { path: args.path === './main.ts' ? './main.cjs' : './ctl.cjs', external: true } : undefined);
  },
};

// Built beside dist/ and swapped in by two renames, so a podvisor started during a rebuild finds a whole dist/.
const staging = `dist.build-${process.pid}`;
rmSync(join(root, staging), { recursive: true, force: true });

/** What the two CommonJS builds share: a bundle for Node 22+, written to the staging directory as .cjs. */
const commonJs = { absWorkingDir: root, outdir: staging, outExtension: { '.js': '.cjs' }, bundle: true, format: 'cjs', platform: 'node', target: 'node22', legalComments: 'none', logLevel: 'warning' };

await build({
  ...commonJs,
  entryPoints: { podvisor: 'src/cli/podvisor.ts', main: 'src/cli/main.ts', ctl: 'src/cli/ctl/ctl.ts', 'lib/yaml': 'yaml', 'lib/re2js': 're2js' },
  // import() of podvisor's own files becomes require(): no ES module loader on the supervision thread.
  supported: { 'dynamic-import': false },
  external: ['koffi'],
  define: { PODVISOR_VERSION: JSON.stringify(version), 'import.meta.url': '__podvisorModuleUrl' },
  banner: { js: "var __podvisorModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [supervisionFiles],
});
// `import 'podvisor'` (the package's main export) runs the same entry.
writeFileSync(join(root, staging, 'podvisor.js'), "import './podvisor.cjs';\n");

await build({
  absWorkingDir: root,
  entryPoints: existing({
    // Every observer of supervision, in a worker thread of its own (src/observers/observer-link.ts).
    observers: 'src/observers/observer-thread.ts',
    server: 'src/server/index.ts',
    'reference-server': 'src/reference-server/main.ts',
  }),
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['koffi'],
  define: { PODVISOR_VERSION: JSON.stringify(version) },
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __podvisorCreateRequire } from 'node:module'; const require = __podvisorCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [withoutKubernetesDefaultTransport],
});

// The terminal launcher (src/process/terminal-launcher.ts) is a program of its own that Node starts before each server
// on a terminal: one CommonJS file, because Node loads it ~3 ms faster than an ES module.
await build({
  ...commonJs,
  entryPoints: { 'terminal-launcher': 'src/process/terminal-launcher.ts' },
});

writeKitDeclarations(join(root, staging, 'types'));

const retired = `dist.old-${process.pid}`;
if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), join(root, retired));
renameSync(join(root, staging), join(root, 'dist'));
rmSync(join(root, retired), { recursive: true, force: true });

/**
 * Declarations of podvisor/server and what it re-exports, as src/ is laid out (dist/types/server/index.d.ts is
 * the package's "types" for ./server). The sources import each other as './x.ts' (Node runs them as they are);
 * the declarations say './x.js', which every TypeScript version resolves to './x.d.ts'.
 */
function writeKitDeclarations(outDir) {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram([join(root, 'src/server/index.ts')], {
    ...options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, 'src'),
    outDir,
  });
  const result = program.emit(undefined, (path, text) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text.replace(/(from\s+'\.{1,2}\/[^']*)\.ts'/g, "$1.js'"));
  }, undefined, true);
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(`declarations of podvisor/server: ${ts.formatDiagnostics(errors, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`);
  }
}
