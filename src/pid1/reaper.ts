import { libc, type Libc } from './libc.ts';
import { orphanZombies } from './proc-stat.ts';
import { readProcessTable } from './process-table.ts';

/**
 * Reaps orphans re-parented to podvisor (as PID 1, or as a child subreaper elsewhere) without ever
 * taking the exit status of a child libuv waits for: waitpid(-1) would steal the server's status and its
 * ChildProcess would never emit 'exit'. Instead, on SIGCHLD, podvisor peeks at an ended child without
 * reaping it (waitid with WNOWAIT) and waits for it by pid when it is not one of libuv's. When one of libuv's
 * stands first in line, podvisor lets libuv reap it first (one turn of the event loop) and, if it is still
 * there, scans /proc for zombies whose parent is us: the slow path, a few ms on a busy host.
 */
/** The libc calls reaping needs (a test may give others, for faults a real kernel will not make on demand). */
export type ReapingCalls = Pick<Libc, 'waitpidNoHang' | 'peekEndedChild'>;

export class OrphanReaper {
  readonly #spawnedByUs: ReadonlySet<number>;
  readonly #onReaped: (pid: number) => void;
  readonly #libc: ReapingCalls;
  #retry: NodeJS.Immediate | undefined;
  readonly #onSignal = (): void => {
    this.reap();
  };

  /** `spawnedByUs`: the pids libuv waits for (the supervisor keeps this set current). */
  constructor(spawnedByUs: ReadonlySet<number>, onReaped: (pid: number) => void, library: ReapingCalls = libc()) {
    this.#spawnedByUs = spawnedByUs;
    this.#onReaped = onReaped;
    this.#libc = library;
  }

  start(): void {
    process.on('SIGCHLD', this.#onSignal);
    this.reap();
  }

  stop(): void {
    process.off('SIGCHLD', this.#onSignal);
    if (this.#retry !== undefined) clearImmediate(this.#retry);
    this.#retry = undefined;
  }

  /** Reaps every orphan zombie it can now; returns how many. */
  reap(): number {
    let reaped = 0;
    for (;;) {
      const pid = this.#libc.peekEndedChild();
      if (pid === 0 || pid === -1) return reaped; // nothing has ended, or no children at all
      if (pid === undefined) return reaped + this.#scan();
      if (this.#spawnedByUs.has(pid)) {
        // libuv's own: it reaps it in this turn of the loop; look again after it.
        this.#retry ??= setImmediate(() => {
          this.#retry = undefined;
          this.#reapBehind();
        });
        return reaped;
      }
      if (this.#libc.waitpidNoHang(pid) !== pid) return reaped + this.#scan();
      reaped += 1;
      this.#onReaped(pid);
    }
  }

  /** After libuv's turn: the fast path again, or the scan when one of libuv's children still blocks the peek. */
  #reapBehind(): void {
    const pid = this.#libc.peekEndedChild();
    if (pid !== undefined && pid > 0 && this.#spawnedByUs.has(pid)) this.#scan();
    else this.reap();
  }

  /** The slow path: every zombie child in /proc that is not libuv's, until a scan finds none. */
  #scan(): number {
    let reaped = 0;
    // One SIGCHLD can stand for many exits; loop until a scan finds nothing left to reap.
    for (;;) {
      const zombies = orphanZombies(readProcessTable(), process.pid, this.#spawnedByUs);
      let progress = 0;
      for (const pid of zombies) {
        if (this.#libc.waitpidNoHang(pid) === pid) {
          progress += 1;
          this.#onReaped(pid);
        }
      }
      reaped += progress;
      if (progress === 0) return reaped;
    }
  }
}
