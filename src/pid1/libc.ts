import koffi from 'koffi';

/**
 * The few libc calls Node does not offer: waitpid on one pid, prctl(PR_SET_CHILD_SUBREAPER), and a pipe
 * whose size podvisor chooses.
 */
export interface Libc {
  /** waitpid(pid, &status, WNOHANG): the pid reaped, 0 when it still runs, -1 on error. */
  waitpidNoHang(pid: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of our descendants are re-parented to us. */
  becomeSubreaper(): boolean;
  /** pipe2(O_CLOEXEC): [read end, write end], or undefined when the kernel refuses. */
  pipe(): [number, number] | undefined;
  /** fcntl(F_SETPIPE_SZ): the pipe's new capacity in bytes, or -1 when refused. */
  setPipeSize(fd: number, bytes: number): number;
}

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
const O_CLOEXEC = 0o2000000;
const F_SETPIPE_SZ = 1031;

let loaded: Libc | undefined;

export function libc(): Libc {
  if (loaded !== undefined) return loaded;
  const library = koffi.load('libc.so.6');
  const waitpid = library.func('int waitpid(int pid, _Out_ int *status, int options)');
  const prctl = library.func('int prctl(int option, ...)');
  const pipe2 = library.func('int pipe2(_Out_ int *fds, int flags)');
  const fcntl = library.func('int fcntl(int fd, int command, ...)');
  loaded = {
    waitpidNoHang(pid) {
      const status = [0];
      return waitpid(pid, status, WNOHANG) as number;
    },
    becomeSubreaper() {
      const result = prctl(PR_SET_CHILD_SUBREAPER, 'unsigned long', 1, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) as number;
      return result === 0;
    },
    pipe() {
      const fds = new Int32Array(2);
      if ((pipe2(fds, O_CLOEXEC) as number) !== 0) return undefined;
      return [fds[0] as number, fds[1] as number];
    },
    setPipeSize(fd, bytes) {
      return fcntl(fd, F_SETPIPE_SZ, 'int', bytes) as number;
    },
  };
  return loaded;
}
