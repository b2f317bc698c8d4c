// Where the real external tools the suites drive live, cached per machine in $PODVISOR_CACHE (default
// ~/.cache/podvisor): helm and kubectl by scripts/prepare-test-tools.sh, the Kubernetes binaries by
// scripts/build-kubernetes.sh.
import { execFile, type ExecFileOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-machine cache of test tools (scripts/prepare-test-tools.sh fills it). */
export const TOOL_CACHE = process.env.PODVISOR_CACHE !== undefined && process.env.PODVISOR_CACHE !== ''
  ? process.env.PODVISOR_CACHE
  : join(homedir(), '.cache', 'podvisor');

export const HELM = join(TOOL_CACHE, 'bin', 'helm');
export const KUBECTL = join(TOOL_CACHE, 'bin', 'kubectl');
/** Where scripts/build-kubernetes.sh puts the Kubernetes binaries (KUBE_VERSION, default v1.34.4). */
export const KUBERNETES_BINARIES = join(TOOL_CACHE, `kubernetes-${process.env.KUBE_VERSION ?? 'v1.34.4'}`);
export const KUBE_APISERVER = join(KUBERNETES_BINARIES, 'kube-apiserver');

/** The path of a cached tool, or an error that says how to get it. */
export function requireTool(path: string): string {
  if (!existsSync(path)) {
    const how = path.startsWith(KUBERNETES_BINARIES) ? 'bash scripts/build-kubernetes.sh' : 'bash scripts/prepare-test-tools.sh';
    throw new Error(`${path} is missing: run \`${how}\` (the npm test scripts do) first`);
  }
  return path;
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a tool to completion and returns its exit code and output (never rejects on a non-zero exit:
 * tests assert on failures too). Rejects only when the tool cannot be started or times out.
 */
export function runTool(
  file: string,
  args: readonly string[],
  options: ExecFileOptions & { readonly input?: string } = {},
): Promise<ToolResult> {
  const { input, ...execOptions } = options;
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: 300_000, encoding: 'utf8', ...execOptions },
      (error, stdout, stderr) => {
        const out = String(stdout);
        const err = String(stderr);
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')} failed to run: ${error.message}\n${err}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout: out, stderr: err });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like runTool, but rejects with the tool's stderr unless it exits 0; resolves with stdout. */
export async function runToolOk(
  file: string,
  args: readonly string[],
  options: ExecFileOptions & { readonly input?: string } = {},
): Promise<string> {
  const result = await runTool(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** helm from the cache, with args; rejects unless it exits 0. */
export function helm(args: readonly string[], options: ExecFileOptions & { readonly input?: string } = {}): Promise<string> {
  return runToolOk(requireTool(HELM), args, options);
}

/** kubectl from the cache, with args; rejects unless it exits 0. */
export function kubectl(args: readonly string[], options: ExecFileOptions & { readonly input?: string } = {}): Promise<string> {
  return runToolOk(requireTool(KUBECTL), args, options);
}
