// Builds and runs the podvisor image with the real podman, for the container tests. podman here needs
// `--isolation chroot --network host --pull=never` to build and `--runtime runc` plus explicit rlimits to run
// (see docs/development.md); the base images are the local stand-ins that scripts/build-base-image.sh makes
// once per machine (node:24-bookworm-slim, and python:3.11-slim-bookworm as an image without Node).
//
// Everything the suite builds or runs is named after the checkout (its directory name and a hash of its path), so
// that two checkouts on one machine can run the suite at the same time without touching each other's images, and
// so that the suite can remove all it made: every image is a tag of IMAGE_REPOSITORY, every container's name
// starts with CONTAINER_PREFIX (artifactNames gives both for any checkout). The base images stay: they are
// cached per machine, like the tools.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, delay, type LogLine } from '../helpers/podvisor-process.ts';
import { runTool, runToolOk } from '../helpers/tools.ts';

/** A name for a checkout that podman accepts in image and container names: its directory's name and a hash of its path. */
export function checkoutName(root: string): string {
  const slug = basename(root).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24);
  return `${slug === '' ? 'checkout' : slug}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}

export const CHECKOUT = checkoutName(ROOT);
/** Every image the suite builds is a tag of this repository. */
export const IMAGE_REPOSITORY = artifactNames(CHECKOUT).repository;
/** podvisor's image, built from this checkout's Dockerfile. */
export const IMAGE = imageNamed('podvisor');
/** Every container the suite runs is named CONTAINER_PREFIX, its test process's pid, '-' and a count. */
export const CONTAINER_PREFIX = `podvisor-test-${CHECKOUT}-`;
export const NODE_BASE_IMAGE = 'docker.io/library/node:24-bookworm-slim';
export const PYTHON_BASE_IMAGE = 'docker.io/library/python:3.11-slim-bookworm';
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The name of one of the suite's images (a tag of IMAGE_REPOSITORY). */
export function imageNamed(tag: string): string {
  return `${IMAGE_REPOSITORY}:${tag}`;
}

/** Kubernetes' hardened securityContext (read-only root, no capabilities, no privilege escalation), as flags. */
export const HARDENED = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'] as const;
/** Flags every `podman run` needs on these machines. */
export const RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] as const;
/**
 * Flags every `podman build` needs on these machines, and `--layers=false`: no intermediate image is kept (the
 * build stage with its node_modules was most of what runs used to leave behind), only the tagged result.
 */
export const BUILD_FLAGS = ['--isolation', 'chroot', '--network', 'host', '--pull=never', '--layers=false'] as const;

export function podman(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return runToolOk('podman', args, { timeout: timeoutMs });
}

/** The image id a tag points at now, or undefined. */
async function imageId(tag: string): Promise<string | undefined> {
  const result = await runTool('podman', ['image', 'inspect', tag, '--format', '{{.Id}}']);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** The `podman build` of podvisor's image, as the suite runs it (docs/packaging.md shows it). */
export function imageBuildArguments(tag: string): string[] {
  return ['build', ...BUILD_FLAGS, '--build-arg', `VERSION=${VERSION}`, '-t', tag];
}

/**
 * Builds the image from the checkout, after making sure the base stand-ins exist. An image the tag pointed at
 * before (a build of this checkout's earlier run) is removed, so builds never pile up. Resolves with the seconds
 * it took.
 */
export async function buildImage(): Promise<number> {
  const started = performance.now();
  await runToolOk('bash', [join(ROOT, 'scripts', 'build-base-image.sh')], { timeout: 900_000 });
  const previous = await imageId(IMAGE);
  await podman([...imageBuildArguments(IMAGE), ROOT], 900_000);
  if (previous !== undefined && previous !== await imageId(IMAGE)) await runTool('podman', ['image', 'rm', previous]);
  return (performance.now() - started) / 1000;
}

/** Set by the suite's global setup (test/container/global-setup.ts) once it has built IMAGE for the whole run. */
const BUILT_FOR_THE_RUN = 'PODVISOR_TEST_IMAGE_BUILT';

/** Marks IMAGE as built for the whole run (the global setup's part). */
export function markBuiltForTheRun(): void {
  process.env[BUILT_FOR_THE_RUN] = IMAGE;
}

/**
 * For a test file's `before`: the image the global setup built, or, when the file runs on its own
 * (`node --test test/container/FILE`), a build of its own.
 */
export async function prepareImage(): Promise<void> {
  if (process.env[BUILT_FOR_THE_RUN] !== IMAGE) await buildImage();
}

/** For a test file's `after`: a file that ran on its own removes what it made; in a suite run the global teardown does. */
export async function releaseImages(): Promise<void> {
  if (process.env[BUILT_FOR_THE_RUN] !== IMAGE) await removeCheckoutArtifacts();
}

/** What the suite of the checkout named `checkout` builds and runs: one image repository, one container name pattern. */
export function artifactNames(checkout: string): { readonly repository: string; readonly container: RegExp } {
  return { repository: `localhost/podvisor-test-${checkout}`, container: new RegExp(`^podvisor-test-${checkout}-\\d+-\\d+$`) };
}

/**
 * Removes every container and image of a checkout's suite (never the base images, never another checkout's:
 * the names say whose they are). Resolves with what it removed and what is still there afterwards.
 */
export async function removeArtifactsOf(checkout: string): Promise<{ removed: string[]; left: string[] }> {
  const removed: string[] = [];
  for (const name of await containersOf(checkout)) {
    await runTool('podman', ['rm', '--force', '--time', '0', name]);
    removed.push(name);
  }
  for (const image of await imagesOf(checkout)) {
    // By name: a tag that shares its image with another name is only untagged.
    await runTool('podman', ['image', 'rm', '--force', image]);
    removed.push(image);
  }
  return { removed, left: [...await containersOf(checkout), ...await imagesOf(checkout)] };
}

/** removeArtifactsOf this checkout. */
export function removeCheckoutArtifacts(): Promise<{ removed: string[]; left: string[] }> {
  return removeArtifactsOf(CHECKOUT);
}

export async function containersOf(checkout: string): Promise<string[]> {
  const { container } = artifactNames(checkout);
  return (await listing(['ps', '--all', '--format', '{{.Names}}'])).split('\n').filter((name) => container.test(name));
}

export async function imagesOf(checkout: string): Promise<string[]> {
  const { repository } = artifactNames(checkout);
  return (await listing(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((name) => name.startsWith(`${repository}:`));
}

/**
 * A podman listing, asked again when it fails: podman 4.3's `images` fails ("image not known") when another
 * process removes an image while it lists, which other checkouts' runs do.
 */
async function listing(args: readonly string[]): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await runTool('podman', args);
    if (result.code === 0) return result.stdout;
    if (attempt === 5) throw new Error(`podman ${args.join(' ')} exited ${result.code} ${attempt} times; last:\n${result.stderr}`);
    await delay(200 * attempt);
  }
}

/** The `podman build` of a derived image from a Containerfile in `directory` (docs/packaging.md shows it). */
export function derivedBuildArguments(containerfile: string, tag: string, directory: string): string[] {
  return ['build', ...BUILD_FLAGS, '-f', containerfile, '-t', tag, directory];
}

/** Builds an image from a directory holding a Containerfile (for the derived-image tests). */
export async function buildFrom(directory: string, tag: string): Promise<void> {
  await podman(derivedBuildArguments(join(directory, 'Containerfile'), tag, directory), 300_000);
}

/** `podman run` of a detached, named container with the machine's flags (docs/packaging.md shows it). */
export function runArguments(name: string, options: readonly string[], image: string, args: readonly string[] = []): string[] {
  return ['run', '--detach', '--name', name, ...RUN_FLAGS, ...options, image, ...args];
}

/** How the tests stop a container: podman sends the image's STOPSIGNAL and waits this long before SIGKILL. */
export function stopArguments(name: string, seconds = 30): string[] {
  return ['stop', '--time', String(seconds), name];
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

/**
 * `podman exec`, asked again when runc cannot put the new process into one of the container's cgroup v1
 * hierarchies ("error adding pid ... to cgroups"): seen once in four runs of the suite beside another podman user
 * on these hosts (cgroup v1, podman 4.3, runc), never in a run alone. Any other failure is the test's.
 */
async function execIn(name: string, command: readonly string[]): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await runTool('podman', ['exec', name, ...command]);
    if (result.code === 0) return result.stdout;
    if (attempt === 3 || !/error adding pid \d+ to cgroups/.test(result.stderr)) {
      throw new Error(`podman exec ${name} ${command.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
    }
    await delay(500);
  }
}

/** `podman run -d` with the machine's flags and `options`; the image's entrypoint gets `args`. */
export async function runContainer(options: readonly string[], image: string, args: readonly string[] = []): Promise<Container> {
  containerCount += 1;
  const name = `${CONTAINER_PREFIX}${process.pid}-${containerCount}`;
  const container: Container = {
    name,
    logs: async () => {
      const result = await runTool('podman', ['logs', name]);
      return result.stdout + result.stderr;
    },
    podvisorLogs: async () => parseLogLines(await container.logs()),
    exec: (command) => execIn(name, command),
    inspect: async (format) => (await podman(['inspect', name, '--format', format])).trim(),
    remove: async () => {
      await runTool('podman', ['rm', '--force', '--time', '0', name]);
    },
  };
  const result = await runTool('podman', runArguments(name, options, image, args));
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
