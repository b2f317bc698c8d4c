// Builds and runs the podvisor image with the real podman, for the container tests. podman here needs
// `--isolation chroot --network host --pull=never` to build and `--runtime runc` plus explicit rlimits to run
// (see the environment notes); the base image is the local node:24-bookworm-slim stand-in that
// scripts/build-base-image.sh makes once per machine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, delay, type LogLine } from '../helpers/podvisor-process.ts';
import { runTool, runToolOk } from '../helpers/tools.ts';

export const IMAGE = 'localhost/podvisor:test';
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Flags every `podman run` needs on these machines. */
export const RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] as const;
/** Flags every `podman build` needs on these machines. */
export const BUILD_FLAGS = ['--isolation', 'chroot', '--network', 'host', '--pull=never'] as const;

export function podman(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return runToolOk('podman', args, { timeout: timeoutMs });
}

export const BUILD_STAGE_IMAGE = 'localhost/podvisor-build:test';

/** The image id a tag points at now, or undefined. */
async function imageId(tag: string): Promise<string | undefined> {
  const result = await runTool('podman', ['image', 'inspect', tag, '--format', '{{.Id}}']);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/**
 * Builds the image from the checkout (layer-cached: only what changed is rebuilt), after making sure the base
 * stand-in exists. The build stage is tagged too, so that replacing the previous build's images (removed here,
 * so repeated runs do not pile up untagged images) never throws away the cached `npm ci` layer.
 * Other suites pass tags of their own (the cluster suite: localhost/podvisor-cluster:test).
 * Resolves with the seconds it took.
 */
export async function buildImage(tag = IMAGE, buildStageTag = BUILD_STAGE_IMAGE): Promise<number> {
  const started = performance.now();
  await runToolOk('bash', [join(ROOT, 'scripts', 'build-base-image.sh')], { timeout: 600_000 });
  const previous = [await imageId(tag), await imageId(buildStageTag)];
  await podman(['build', ...BUILD_FLAGS, '--target', 'build', '-t', buildStageTag, ROOT], 900_000);
  await podman(['build', ...BUILD_FLAGS, '--build-arg', `VERSION=${VERSION}`, '-t', tag, ROOT], 900_000);
  const current = [await imageId(tag), await imageId(buildStageTag)];
  for (const id of previous) {
    // Still in use (a container, or a layer of the new build) makes podman refuse, which is fine.
    if (id !== undefined && !current.includes(id)) await runTool('podman', ['image', 'rm', id]);
  }
  return (performance.now() - started) / 1000;
}

/** Builds an image from a directory holding a Containerfile (for the derived-image tests). */
export async function buildFrom(directory: string, tag: string): Promise<void> {
  await podman(['build', ...BUILD_FLAGS, '-f', join(directory, 'Containerfile'), '-t', tag, directory], 300_000);
}

let containerCount = 0;

export interface Container {
  readonly name: string;
  /** `podman logs`: podvisor's stderr and the server's output, interleaved. */
  logs(): Promise<string>;
  /** podvisor's own JSON log lines so far. */
  podvisorLogs(): Promise<LogLine[]>;
  exec(command: readonly string[]): Promise<string>;
  inspect(format: string): Promise<string>;
  /** Force-removes the container (for cleanup; never throws). */
  remove(): Promise<void>;
}

/** `podman run -d` with the machine's flags and `options`; the image's entrypoint gets `args`. */
export async function runContainer(options: readonly string[], image: string, args: readonly string[] = []): Promise<Container> {
  containerCount += 1;
  const name = `podvisor-test-${process.pid}-${containerCount}`;
  const container: Container = {
    name,
    logs: async () => {
      const result = await runTool('podman', ['logs', name]);
      return result.stdout + result.stderr;
    },
    podvisorLogs: async () => parseLogLines(await container.logs()),
    exec: (command) => podman(['exec', name, ...command]),
    inspect: async (format) => (await podman(['inspect', name, '--format', format])).trim(),
    remove: async () => {
      await runTool('podman', ['rm', '--force', '--time', '0', name]);
    },
  };
  const result = await runTool('podman', ['run', '--detach', '--name', name, ...RUN_FLAGS, ...options, image, ...args]);
  if (result.code !== 0) {
    await container.remove();
    throw new Error(`podman run failed (${result.code}):\n${result.stderr}`);
  }
  return container;
}

export function parseLogLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (typeof parsed.msg === 'string' && parsed.name === 'podvisor') lines.push(parsed);
    } catch {
      // A server line that happens to start with a brace.
    }
  }
  return lines;
}

/** Polls podvisor's logs in the container until `count` lines match. */
export async function waitForContainerLogs(container: Container, match: (line: LogLine) => boolean, count = 1, timeoutMs = 30_000): Promise<LogLine[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lines = (await container.podvisorLogs()).filter(match);
    if (lines.length >= count) return lines;
    await delay(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} matching log line(s) of ${container.name}; logs:\n${await container.logs()}`);
}

/** GET a URL; resolves with the status and body, or undefined while nothing answers. */
export async function get(url: string, timeoutMs = 2000): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** Polls a URL until it answers `status`. */
export async function waitForStatus(url: string, status: number, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: { status: number; body: string } | undefined;
  while (Date.now() < deadline) {
    last = await get(url);
    if (last?.status === status) return last.body;
    await delay(200);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Waits for the container to stop; resolves with its exit code. */
export async function waitForExit(container: Container, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await container.inspect('{{.State.Running}}')) === 'false') return Number(await container.inspect('{{.State.ExitCode}}'));
    await delay(100);
  }
  throw new Error(`${container.name} still running after ${timeoutMs} ms`);
}

/** The processes in the container: pid, state letter (R, S, Z...), ppid and name, read from /proc inside it. */
export async function processesIn(container: Container): Promise<{ pid: number; name: string; state: string; ppid: number }[]> {
  const text = await container.exec(['sh', '-c', 'for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done']);
  const processes: { pid: number; name: string; state: string; ppid: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+) \((.*)\) (\S) (\d+)/.exec(line);
    if (match !== null) processes.push({ pid: Number(match[1]), name: match[2] as string, state: match[3] as string, ppid: Number(match[4]) });
  }
  return processes;
}
