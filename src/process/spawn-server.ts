import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { ServerExit } from '../supervisor/events.ts';

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process has ended and libuv has waited for it. */
  readonly exited: Promise<ServerExit>;
}

export type SpawnResult =
  | { readonly ok: true; readonly server: SpawnedServer }
  /** The command could not be executed: 127 when not found, 126 when not executable (as shells do). */
  | { readonly ok: false; readonly status: 126 | 127; readonly message: string };

export interface SpawnOptions {
  readonly command: readonly string[];
  readonly stdout: 'inherit' | 'pipe';
  readonly stderr: 'inherit' | 'pipe';
  readonly environment: NodeJS.ProcessEnv;
  /**
   * Told the pid synchronously, before any event can run, so that the orphan reaper never takes the exit
   * status libuv is waiting for.
   */
  readonly onPid: (pid: number) => void;
}

/**
 * Starts the server in a session and process group of its own (so signals reach all of it and SIGKILL at
 * the deadline leaves nothing behind), with Node's IPC channel open for the server kit.
 */
export async function spawnServer(options: SpawnOptions): Promise<SpawnResult> {
  const [file, ...args] = options.command as [string, ...string[]];
  const stdio: StdioOptions = ['inherit', options.stdout, options.stderr, 'ipc'];
  let child: ChildProcess;
  try {
    child = spawn(file, args, { detached: true, stdio, env: options.environment, serialization: 'json' });
  } catch (error) {
    return failure(file, error as NodeJS.ErrnoException);
  }
  if (child.pid !== undefined) options.onPid(child.pid);
  // Listen for the end at once: a server may exit before the caller has looked at the result.
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve) => {
    child.once('spawn', () => resolve({ ok: true, server: { child, pid: child.pid as number, exited } }));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve(failure(file, error));
    });
  });
}

function failure(file: string, error: NodeJS.ErrnoException): SpawnResult {
  if (error.code === 'ENOENT') {
    return { ok: false, status: 127, message: `cannot run the server: ${JSON.stringify(file)} was not found (not a file, and not on PATH)` };
  }
  const why = error.code === 'EACCES' ? 'is not executable (permission denied, or a directory)' : `cannot be executed (${error.code ?? error.message})`;
  return { ok: false, status: 126, message: `cannot run the server: ${JSON.stringify(file)} ${why}` };
}
