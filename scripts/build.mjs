// Bundles podvisor with esbuild into dist/: the CLI, the server kit (podvisor/server) and the reference
// server. Code split, so what loads after the server's spawn (pino, prom-client, the Kubernetes client)
// costs nothing before it. koffi stays external: it is a native addon. Then writes the kit's type
// declarations (dist/types/) with the TypeScript compiler, for projects that install podvisor.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entryPoints = Object.fromEntries(
  Object.entries({
    podvisor: 'src/cli/podvisor.ts',
    server: 'src/server/index.ts',
    'reference-server': 'src/reference-server/main.ts',
    // The Kubernetes client runs in a worker thread of its own (src/observers/kubernetes/worker-pod-api.ts).
    'kubernetes-worker': 'src/observers/kubernetes/kubernetes-worker.ts',
  }).filter(([, path]) => existsSync(join(root, path))),
);

// @kubernetes/client-node's default transport imports all of undici (1.4 MB, ~100 ms to load); podvisor gives the
// client its own node:https transport, so the default is replaced by a stand-in (src/observers/kubernetes/no-default-transport.ts).
const withoutKubernetesDefaultTransport = {
  name: 'without-kubernetes-default-transport',
  setup(esbuild) {
    esbuild.onResolve({ filter: /\/isomorphic-fetch\.js$/ }, (args) =>
      args.importer.includes('@kubernetes/client-node') ? { path: join(root, 'src/observers/kubernetes/no-default-transport.ts') } : undefined);
  },
};

// Built beside dist/ and swapped in by two renames, so a podvisor started during a rebuild finds a whole dist/.
const staging = `dist.build-${process.pid}`;
rmSync(join(root, staging), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints,
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
  absWorkingDir: root,
  entryPoints: { 'terminal-launcher': 'src/process/terminal-launcher.ts' },
  outdir: staging,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning',
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
