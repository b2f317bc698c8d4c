import koffi from 'koffi';

/** The few libc calls Node does not offer: waitpid on one pid, and prctl(PR_SET_CHILD_SUBREAPER). */
export interface Libc {
  /** waitpid(pid, &status, WNOHANG): the pid reaped, 0 when it still runs, -1 on error. */
  waitpidNoHang(pid: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of our descendants are re-parented to us. */
  becomeSubreaper(): boolean;
}

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;

let loaded: Libc | undefined;

export function libc(): Libc {
  if (loaded !== undefined) return loaded;
  const library = koffi.load('libc.so.6');
  const waitpid = library.func('int waitpid(int pid, _Out_ int *status, int options)');
  const prctl = library.func('int prctl(int option, ...)');
  loaded = {
    waitpidNoHang(pid) {
      const status = [0];
      return waitpid(pid, status, WNOHANG) as number;
    },
    becomeSubreaper() {
      const result = prctl(PR_SET_CHILD_SUBREAPER, 'unsigned long', 1, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) as number;
      return result === 0;
    },
  };
  return loaded;
}
