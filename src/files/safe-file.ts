import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, writeSync, type Stats } from 'node:fs';

/**
 * Opening a path a user named (a prefs file, the pid file, the termination message) so that it can never block
 * podvisor or make it write where it should not (docs/security.md): O_NONBLOCK, because opening a FIFO waits for
 * its other end otherwise; O_NOCTTY, because a terminal opened by PID 1 would become its controlling terminal.
 */
export const NEVER_WAIT = constants.O_NONBLOCK | constants.O_NOCTTY;

/** NEVER_WAIT, and never through a symbolic link at the path itself (files podvisor writes, or wrote). */
export const NO_FOLLOW_NEVER_WAIT = NEVER_WAIT | constants.O_NOFOLLOW;

/** Why a file of this kind is not read or written as a regular file, or undefined for a regular file. Pure. */
export function notARegularFile(stats: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'is a directory, not a file';
  if (stats.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'is a device, not a regular file';
  if (stats.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/** How the path was opened, which decides what some errors mean. */
export interface OpenedAs {
  /** With O_NOFOLLOW: ELOOP means a symbolic link at the path, not a loop of them. */
  readonly noFollow?: boolean;
  /** For writing: ENXIO is (also) a FIFO that nobody reads. */
  readonly writing?: boolean;
}

/** What an open, read or write of a path failed on, for people ("does not exist", "is a symbolic link, …"). Pure. */
export function describeFileError(error: unknown, openedAs: OpenedAs = {}): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'is not accessible (permission denied)';
  if (code === 'EROFS') return 'is on a read-only file system';
  if (code === 'ELOOP') return openedAs.noFollow === true ? 'is a symbolic link, which podvisor never follows' : 'is a loop of symbolic links';
  // O_NONBLOCK: a FIFO that nobody reads refuses a writer at once instead of making it wait for a reader.
  if (code === 'ENXIO') return openedAs.writing === true ? 'is a FIFO that nobody reads, a socket or a device without a driver, not a regular file' : 'is a socket or a device without a driver, not a regular file';
  if (code === 'ENOTDIR') return 'has a part that is not a directory';
  if (code === 'ENOSPC') return 'cannot be written (no space left on the device)';
  return `cannot be used (${code ?? String(error)})`;
}

/** A path podvisor will not use, with why; `code` is the errno of a failed call, if one failed. */
export class FileRefused extends Error {
  readonly code: string | undefined;

  constructor(why: string, code?: string) {
    super(why);
    this.name = 'FileRefused';
    this.code = code;
  }
}

function refusedFrom(error: unknown, openedAs: OpenedAs): FileRefused {
  return new FileRefused(describeFileError(error, openedAs), (error as NodeJS.ErrnoException).code);
}

/** Throws why, after closing `fd`, when the open file is not a regular file. */
function ensureRegular(fd: number): void {
  const why = notARegularFile(fstatSync(fd));
  if (why !== undefined) {
    closeSync(fd);
    throw new FileRefused(why);
  }
}

/**
 * The first `bytes` bytes of a regular file (as latin1, byte for byte), never through a symbolic link and never
 * waiting. Throws FileRefused saying why when the path is missing, a link, a FIFO, a device…
 */
export function readHead(path: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NO_FOLLOW_NEVER_WAIT);
  } catch (error) {
    throw refusedFrom(error, { noFollow: true });
  }
  ensureRegular(fd);
  try {
    const head = Buffer.alloc(bytes);
    return head.toString('latin1', 0, readSync(fd, head, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces the content of the regular file at `path` with `content`, synchronously: never through a symbolic link,
 * never waiting on a FIFO, never into a device, a socket or a directory (the file's kind is checked on the open
 * descriptor, so a swap between a check and the write changes nothing). With `create`, a missing file is created
 * (mode 0644); without, a missing file is an error. Throws FileRefused saying why.
 */
export function replaceRegularFile(path: string, content: string | Uint8Array, options: { readonly create: boolean }): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | NO_FOLLOW_NEVER_WAIT | (options.create ? constants.O_CREAT : 0), 0o644);
  } catch (error) {
    throw refusedFrom(error, { noFollow: true, writing: true });
  }
  ensureRegular(fd);
  try {
    // Truncated only now that it is known to be a regular file (O_TRUNC would act before the check).
    ftruncateSync(fd, 0);
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, written);
  } catch (error) {
    throw error instanceof FileRefused ? error : refusedFrom(error, { noFollow: true, writing: true });
  } finally {
    closeSync(fd);
  }
}
