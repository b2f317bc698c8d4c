import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ServerExit } from './server-exit.ts';
import { CHANNEL_FD, CHANNEL_FD_VARIABLE } from '../ipc/protocol.ts';
import { KitChannel } from './kit-channel.ts';
import { openServerPipe, type ServerPipe } from './server-pipe.ts';

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** podvisor's end of the server's stdout and stderr when they are piped (else null). */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Settles when the process has ended and libuv has waited for it. */
  readonly exited: Promise<ServerExit>;
  /** podvisor's end of the kit channel, when the kernel gave one. */
  readonly channel: KitChannel | undefined;
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
 * the deadline leaves nothing behind), with the kit's channel at CHANNEL_FD (docs/kit.md); descriptors 3–9 are
 * left to the server.
 */
export async function spawnServer(options: SpawnOptions): Promise<SpawnResult> {
  const [file, ...args] = options.command as [string, ...string[]];
  const stdoutPipe = options.stdout === 'pipe' ? openServerPipe() : undefined;
  const stderrPipe = options.stderr === 'pipe' ? openServerPipe() : undefined;
  const channel = KitChannel.open();
  const stdio: StdioOptions = ['inherit', stdoutPipe?.writeFd ?? options.stdout, stderrPipe?.writeFd ?? options.stderr];
  if (channel !== undefined) {
    while (stdio.length < CHANNEL_FD) stdio.push('ignore');
    stdio.push(channel.serverFd);
  }
  const environment = channel === undefined ? options.environment : { ...options.environment, [CHANNEL_FD_VARIABLE]: String(CHANNEL_FD) };
  let child: ChildProcess;
  try {
    child = spawn(file, args, { detached: true, stdio, env: environment });
  } catch (error) {
    closePipes(stdoutPipe, stderrPipe, true);
    void channel?.close();
    return failure(file, error as NodeJS.ErrnoException);
  }
  // The server has its own copies of the write ends now; ours must go, or the streams would never end.
  closePipes(stdoutPipe, stderrPipe, child.pid === undefined);
  if (child.pid === undefined) void channel?.close();
  else channel?.serverHasIt();
  if (child.pid !== undefined) options.onPid(child.pid);
  const stdout = stdoutPipe?.readable ?? child.stdout;
  const stderr = stderrPipe?.readable ?? child.stderr;
  // Listen for the end at once: a server may exit before the caller has looked at the result.
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve) => {
    child.once('spawn', () => resolve({ ok: true, server: { child, pid: child.pid as number, stdout, stderr, exited, channel } }));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve(failure(file, error));
    });
  });
}

function closePipes(stdoutPipe: ServerPipe | undefined, stderrPipe: ServerPipe | undefined, readEndsToo: boolean): void {
  for (const pipe of [stdoutPipe, stderrPipe]) {
    pipe?.closeWriteEnd();
    if (readEndsToo) pipe?.readable.destroy();
  }
}

function failure(file: string, error: NodeJS.ErrnoException): SpawnResult {
  if (error.code === 'ENOENT') {
    return { ok: false, status: 127, message: `cannot run the server: ${JSON.stringify(file)} was not found (not a file, and not on PATH)` };
  }
  const why = error.code === 'EACCES' ? 'is not executable (permission denied, or a directory)' : `cannot be executed (${error.code ?? error.message})`;
  return { ok: false, status: 126, message: `cannot run the server: ${JSON.stringify(file)} ${why}` };
}
