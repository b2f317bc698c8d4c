import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NO_FOLLOW_NEVER_WAIT, readHead } from '../files/safe-file.ts';
import { isAlive } from '../pid1/process-table.ts';
import type { SupervisionListener } from '../supervisor/supervision.ts';
import { isUp } from '../supervisor/states.ts';

/** How much of an existing file is read to tell whether it is a stale pid file. */
const HEAD_BYTES = 64;

/** What is found at the pid file's path when podvisor wants to create it. */
export interface ExistingFile {
  readonly isSymbolicLink: boolean;
  readonly isRegularFile: boolean;
  /** Its first line (regular files only). */
  readonly firstLine: string;
}

export type StaleDecision = { readonly replace: true } | { readonly replace: false; readonly why: string };

/**
 * Whether a file already at the pid file's path may be replaced: only a regular file (never a symbolic link,
 * never a device) whose first line is a process id that is no longer alive — the file an earlier run of this
 * container left (on a volume, or after a SIGKILL). As PID 1 that earlier run was pid 1 too, and so is podvisor
 * now: its own pid in the file is stale as well. Anything else is not podvisor's to touch. Pure.
 */
export function decideOnExisting(existing: ExistingFile, ownPid: number, isAlive: (pid: number) => boolean): StaleDecision {
  if (existing.isSymbolicLink) return { replace: false, why: 'is a symbolic link, which podvisor never follows' };
  if (!existing.isRegularFile) return { replace: false, why: 'exists and is not a regular file' };
  if (!/^\d{1,10}$/.test(existing.firstLine)) return { replace: false, why: 'exists and is not a pid file (its first line is not a process id)' };
  const pid = Number(existing.firstLine);
  if (pid !== ownPid && pid > 0 && isAlive(pid)) return { replace: false, why: `belongs to process ${pid}, which is running` };
  return { replace: true };
}

/** The file's identity and content, to remove it only while it is still the one podvisor created. */
interface Created {
  readonly device: number;
  readonly inode: number;
  readonly content: string;
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW_NEVER_WAIT;

/**
 * Creates the pid file exclusively (never through a symbolic link, never over a file it did not write, except a
 * stale pid file as decideOnExisting says), with `content`, and returns the new file's identity. The file appears
 * whole or not at all: the content is written to a temporary file beside it, which is then hard-linked to the path
 * (link(2) neither follows nor replaces what is there), so that a reader (`podvisor ctl`, a script) never sees an
 * empty or half-written pid file. On a file system without hard links it is written in place.
 */
function createPidFile(path: string, content: string): Created {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let created: Created;
  try {
    created = writeNewFile(temporary, content, true);
  } catch (error) {
    if (!LINK_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return createInPlace(path, content);
  }
  try {
    linkExclusively(temporary, path);
  } catch (error) {
    if (!LINK_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return createInPlace(path, content);
  } finally {
    unlinkQuietly(temporary);
  }
  return created;
}

/** Errors of a file system that has no hard links (or refuses the temporary file's name). */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENAMETOOLONG']);

/** link(2) `from` to `to`; a stale pid file at `to` is removed first (decideOnExisting), anything else refused. */
function linkExclusively(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    replaceable(to, error);
    linkSync(from, to);
  }
}

/** The pid file written in place (O_EXCL): for file systems without hard links. */
function createInPlace(path: string, content: string): Created {
  try {
    return writeNewFile(path, content, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    replaceable(path, error);
    return writeNewFile(path, content, false);
  }
}

/** Throws unless the file at `path` is a stale pid file (then removes it). */
function replaceable(path: string, cause: unknown): void {
  const decision = decideOnExisting(inspect(path), process.pid, isAlive);
  if (!decision.replace) throw new Error(`${decision.why}; left alone`, { cause });
  unlinkSync(path);
}

/**
 * Creates `path` (O_EXCL, never through a symbolic link), writes `content`, returns its identity. `temporary`: a
 * leftover of the same name (podvisor's own temporary file from a run that was killed) is removed first.
 */
function writeNewFile(path: string, content: string, temporary: boolean): Created {
  let fd: number;
  try {
    fd = openSync(path, CREATE_FLAGS, 0o644);
  } catch (error) {
    if (!temporary || (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    unlinkSync(path);
    fd = openSync(path, CREATE_FLAGS, 0o644);
  }
  try {
    writeSync(fd, content);
    const stats = fstatSync(fd);
    return { device: stats.dev, inode: stats.ino, content };
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone; nothing else to do.
  }
}

function inspect(path: string): ExistingFile {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink() || !stats.isFile()) return { isSymbolicLink: stats.isSymbolicLink(), isRegularFile: false, firstLine: '' };
  return { isSymbolicLink: false, isRegularFile: true, firstLine: readHead(path, HEAD_BYTES).split('\n', 1)[0] ?? '' };
}

/**
 * Removes the file only if the path still names the very file podvisor created: the same inode (a file put in its
 * place may get the freed inode number again, hence the content too).
 */
function removeIfOurs(path: string, created: Created): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const same = stats.isFile() && stats.dev === created.device && stats.ino === created.inode && readHead(path, HEAD_BYTES) === created.content;
  if (!same) throw new Error('was replaced by another file since podvisor wrote it; left alone');
  unlinkSync(path);
}

/**
 * The Darwin Streaming Server's pid file: written when the server is running (once its readiness check has passed),
 * two lines (podvisor's pid, then the server's), removed when the server is gone. podvisor creates the file itself
 * and removes only that file: a path that names someone else's file (PODVISOR_PID_FILE=/etc/passwd) or a symbolic
 * link is reported and left alone. Failures go to `onError`, each kind once; never fatal.
 */
export function pidFile(path: string, onError: (message: string) => void): SupervisionListener {
  const reported = new Set<string>();
  let created: Created | undefined;
  const attempt = (what: string, action: () => void): void => {
    try {
      action();
    } catch (error) {
      const message = `cannot ${what} pid file ${path}: ${(error as Error).message}`;
      if (!reported.has(message)) onError(message);
      reported.add(message);
    }
  };
  const remove = (): void => {
    const ours = created;
    created = undefined;
    if (ours !== undefined) attempt('remove', () => removeIfOurs(path, ours));
  };
  return (event, snapshot) => {
    const { pid } = snapshot;
    if (event.type === 'transition' && event.from === 'starting' && isUp(event.to) && pid !== undefined) {
      remove();
      attempt('write', () => {
        created = createPidFile(path, `${process.pid}\n${pid}\n`);
      });
    }
    if (event.type === 'server_exited' || event.type === 'supervisor_exiting') remove();
  };
}
