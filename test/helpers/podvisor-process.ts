import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PODVISOR = join(ROOT, 'bin', 'podvisor');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
/** The Node 24 that npm installed, for fixtures written in JavaScript. */
export const NODE = process.execPath;

/** One of podvisor's own pino JSON log lines. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface RunningPodvisor {
  readonly child: ChildProcess;
  readonly pid: number;
  /** podvisor's own log lines so far (stderr lines that parse as JSON with a msg). */
  readonly logs: LogLine[];
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log line (already seen or to come) that `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves once `count` log lines have matched. */
  waitForLogs(match: (line: LogLine) => boolean, count: number, timeoutMs?: number): Promise<LogLine[]>;
  /** Resolves with podvisor's exit status (128+N for signal N). */
  exited(timeoutMs?: number): Promise<number>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs podvisor and its server group if still alive (for test cleanup). */
  kill(): void;
}

export interface StartOptions {
  readonly args?: readonly string[];
  readonly command?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Wraps the podvisor invocation, e.g. ['unshare', '--pid', '--fork', '--mount-proc']. */
  readonly wrapper?: readonly string[];
  /** The podvisor to run: default the checkout's bin/podvisor (another: one npm installed into a project). */
  readonly executable?: string;
  readonly spawnOptions?: SpawnOptions;
}

/** Defaults for tests: no HTTP port unless asked, short delays, debug logs. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  PODVISOR_HTTP_PORT: '0',
  PODVISOR_LOG_LEVEL: 'debug',
  PODVISOR_RESTART_DELAY_MS: '50',
  PODVISOR_KUBERNETES: 'off',
};

export function startPodvisor(options: StartOptions = {}): RunningPodvisor {
  const argv = [...(options.args ?? []), ...(options.command !== undefined ? ['--', ...options.command] : [])];
  const [file, ...args] = [...(options.wrapper ?? []), options.executable ?? PODVISOR, ...argv] as [string, ...string[]];
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...TEST_ENV, ...options.env },
    ...options.spawnOptions,
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const parsed = JSON.parse(line) as LogLine;
        if (typeof parsed === 'object' && parsed !== null && typeof parsed.msg === 'string') logs.push(parsed);
      } catch {
        // A server line, not podvisor's.
      }
    }
    for (const waiter of waiters) waiter();
  });
  const exit = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal === null ? (code ?? 0) : 128 + signalNumber(signal)));
  });

  const waitForLogs = (match: (line: LogLine) => boolean, count: number, timeoutMs = 15000): Promise<LogLine[]> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = logs.filter(match);
        if (found.length >= count) {
          cleanup();
          resolve(found.slice(0, count));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} matching log line(s); podvisor's logs:\n${logs.map((line) => JSON.stringify(line)).join('\n')}`));
      }, timeoutMs);
      const onExit = (): void => {
        setTimeout(() => {
          if (!check()) {
            cleanup();
            reject(new Error(`podvisor exited before ${count} matching log line(s); logs:\n${logs.map((line) => JSON.stringify(line)).join('\n')}`));
          }
        }, 50);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        child.off('exit', onExit);
      };
      const waiter = (): void => {
        check();
      };
      if (check()) return;
      waiters.add(waiter);
      child.once('exit', onExit);
    });

  return {
    child,
    pid: child.pid as number,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog: async (match, timeoutMs) => (await waitForLogs(match, 1, timeoutMs))[0] as LogLine,
    waitForLogs,
    exited: (timeoutMs = 30000) =>
      Promise.race([
        exit,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`podvisor did not exit within ${timeoutMs} ms; logs:\n${logs.map((line) => JSON.stringify(line)).join('\n')}`)), timeoutMs).unref()),
      ]),
    signal: (signal) => {
      child.kill(signal);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

/** Matches a log line by its message and, optionally, fields. */
export function message(text: string, fields: Readonly<Record<string, unknown>> = {}): (line: LogLine) => boolean {
  return (line) => line.msg === text && Object.entries(fields).every(([key, value]) => line[key] === value);
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Whether a process exists (a zombie counts). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 20 ms until it holds; rejects after `timeoutMs` with `what`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await delay(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Ends podvisors a suite started: SIGTERM first, so that each takes its server's process group down with it,
 * then SIGKILL for one that hangs.
 */
export async function stopAll(running: readonly RunningPodvisor[]): Promise<void> {
  for (const podvisor of running) {
    podvisor.signal('SIGTERM');
    await podvisor.exited(10000).catch(() => podvisor.kill());
  }
}
