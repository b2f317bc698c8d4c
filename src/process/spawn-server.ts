import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { ServerExit } from './server-exit.ts';
import { CHANNEL_FD, CHANNEL_FD_VARIABLE } from '../ipc/protocol.ts';
import { libc } from '../pid1/libc.ts';
import { KitChannel } from './kit-channel.ts';
import { openServerPipe, type ServerPipe } from './server-pipe.ts';
import type { Terminal } from './terminal.ts';
import { LAUNCH_STATUS_FD, launchOutcome } from './terminal-launch.ts';

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** podvisor's end of the server's stdout and stderr when they are piped (else null; stderr null too when it shares stdout's pipe). */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** The server got podvisor's terminal (its foreground process group) and gives it back when it ends. */
  readonly hasTerminal: boolean;
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
  /** `stdout`: the same pipe as stdout, so that the server's two streams stay in the order it wrote them. */
  readonly stderr: 'inherit' | 'pipe' | 'stdout';
  readonly environment: NodeJS.ProcessEnv;
  /** Given: the server gets this terminal, through the terminal launcher, and podvisor takes it back at its end. */
  readonly terminal?: Terminal | undefined;
  /**
   * Told the pid synchronously, before any event can run, so that the orphan reaper never takes the exit
   * status libuv is waiting for.
   */
  readonly onPid: (pid: number) => void;
}

/**
 * Starts the server in a session and process group of its own (so signals reach all of it and SIGKILL at
 * the deadline leaves nothing behind), with the kit's channel at CHANNEL_FD (docs/kit.md); descriptors 3–9 are
 * left to the server. With a terminal, the server is started through the terminal launcher instead: a process
 * group of its own in podvisor's session, the terminal's foreground (docs/supervision.md, "On a terminal"); the
 * result then comes once the launcher has run the command, as libuv's comes once a child's exec has succeeded.
 */
export async function spawnServer(options: SpawnOptions): Promise<SpawnResult> {
  const [file] = options.command as [string, ...string[]];
  const stdoutPipe = options.stdout === 'pipe' ? openServerPipe() : undefined;
  // Without a pipe of our own to share (the kernel refused one), each stream gets libuv's: apart, but nothing lost.
  const sharesStdout = options.stderr === 'stdout' && stdoutPipe !== undefined;
  const stderrPipe = options.stderr === 'pipe' || (options.stderr === 'stdout' && !sharesStdout) ? openServerPipe() : undefined;
  const channel = KitChannel.open();
  const stdoutOption = stdoutPipe?.writeFd ?? options.stdout;
  const stderrOption = sharesStdout ? stdoutPipe.writeFd : (stderrPipe?.writeFd ?? (options.stderr === 'inherit' ? 'inherit' : 'pipe'));
  const stdio: StdioOptions = ['inherit', stdoutOption, stderrOption];
  if (channel !== undefined) {
    while (stdio.length < CHANNEL_FD) stdio.push('ignore');
    stdio.push(channel.serverFd);
  }
  const serverEnvironment = channel === undefined ? options.environment : { ...options.environment, [CHANNEL_FD_VARIABLE]: String(CHANNEL_FD) };
  const launch = options.terminal?.launch(options.command, serverEnvironment);
  const launchStatus = launch === undefined ? undefined : libc().pipe();
  if (launchStatus !== undefined) {
    while (stdio.length < LAUNCH_STATUS_FD) stdio.push('ignore');
    stdio.push(launchStatus[1]);
  }
  const [spawnFile, ...args] = (launch?.command ?? options.command) as [string, ...string[]];
  let child: ChildProcess;
  try {
    // The launcher must start in podvisor's session (a terminal's foreground can only be given within it); it
    // makes its own process group there.
    child = spawn(spawnFile, args, { detached: launch === undefined, stdio, env: launch?.environment ?? serverEnvironment });
  } catch (error) {
    closePipes(stdoutPipe, stderrPipe, true);
    if (launchStatus !== undefined) for (const fd of launchStatus) closeSync(fd);
    void channel?.close();
    options.terminal?.takeBack();
    return failure(file, error as NodeJS.ErrnoException);
  }
  // The server has its own copies of the write ends now; ours must go, or the streams would never end.
  closePipes(stdoutPipe, stderrPipe, child.pid === undefined);
  if (launchStatus !== undefined) closeSync(launchStatus[1]);
  if (child.pid === undefined) void channel?.close();
  else channel?.serverHasIt();
  if (child.pid !== undefined) options.onPid(child.pid);
  const stdout = stdoutPipe?.readable ?? child.stdout;
  const stderr = sharesStdout ? null : (stderrPipe?.readable ?? child.stderr);
  // Listen for the end at once: a server may exit before the caller has looked at the result. The terminal is
  // podvisor's again before anything else hears of the end.
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      if (launch !== undefined) options.terminal?.takeBack();
      resolve({ code, signal });
    });
  });
  const spawned = await new Promise<SpawnResult>((resolve) => {
    child.once('spawn', () => resolve({ ok: true, server: { child, pid: child.pid as number, stdout, stderr, hasTerminal: launch !== undefined, exited, channel } }));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve(failure(file, error));
    });
  });
  if (launchStatus === undefined) return spawned;
  if (!spawned.ok) {
    closeSync(launchStatus[0]);
    options.terminal?.takeBack();
    return spawned;
  }
  const outcome = launchOutcome(await readToEnd(launchStatus[0]));
  if (outcome.ok) return outcome.commandRan ? spawned : { ok: true, server: { ...spawned.server, hasTerminal: false } };
  stdout?.destroy();
  stderr?.destroy();
  void channel?.close();
  if (outcome.call === 'execvp') return failure(file, Object.assign(new Error(outcome.code), { code: outcome.code }));
  return { ok: false, status: outcome.status, message: `cannot run the server ${JSON.stringify(file)}: the terminal launcher failed (${outcome.call}: ${outcome.code})` };
}

/** Everything written to the pipe whose read end is `fd`, until every write end is closed; then closes `fd`. */
function readToEnd(fd: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = new Socket({ fd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', () => {});
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
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
    // The file is there: what is missing is the interpreter its #! line names (or its dynamic loader).
    if (file.includes('/') && existsSync(file)) {
      return { ok: false, status: 127, message: `cannot run the server: ${JSON.stringify(file)} names an interpreter that was not found (its #! line, or its dynamic loader)` };
    }
    return { ok: false, status: 127, message: `cannot run the server: ${JSON.stringify(file)} was not found (not a file, and not on PATH)` };
  }
  const why = error.code === 'EACCES' ? 'is not executable (permission denied, or a directory)' : `cannot be executed (${error.code ?? error.message})`;
  return { ok: false, status: 126, message: `cannot run the server: ${JSON.stringify(file)} ${why}` };
}
