import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { libc } from '../pid1/libc.ts';

/**
 * A pipe for one of the server's output streams, 1 MiB deep instead of the 64 KiB of libuv's socketpair.
 * Loggers that write line by line into a non-blocking descriptor (pino's sonic-boom sleeps 100 ms on EAGAIN)
 * then rarely find it full while podvisor is between two reads: measured here, this is what keeps a pino
 * server as fast through podvisor as writing to a pipe directly.
 */
export const SERVER_PIPE_BYTES = 1024 * 1024;

export interface ServerPipe {
  /** podvisor's end, a stream like ChildProcess.stdout. */
  readonly readable: Socket;
  /** The server's end, given to spawn() as its stdout or stderr. */
  readonly writeFd: number;
  /** Closes podvisor's copy of the server's end once the server has it (or the spawn failed). */
  closeWriteEnd(): void;
}

/** Opens the pipe, or returns undefined (the caller then lets libuv make its own). */
export function openServerPipe(): ServerPipe | undefined {
  let fds: [number, number] | undefined;
  try {
    fds = libc().pipe();
  } catch {
    return undefined;
  }
  if (fds === undefined) return undefined;
  const [readFd, writeFd] = fds;
  // A refused size (over /proc/sys/fs/pipe-max-size) leaves the default capacity; the pipe still works.
  libc().setPipeSize(writeFd, SERVER_PIPE_BYTES);
  let closed = false;
  return {
    readable: new Socket({ fd: readFd, readable: true, writable: false }),
    writeFd,
    closeWriteEnd() {
      if (closed) return;
      closed = true;
      closeSync(writeFd);
    },
  };
}
