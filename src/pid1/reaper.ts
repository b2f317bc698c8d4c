import { libc, type Libc } from './libc.ts';
import { orphanZombies } from './proc-stat.ts';
import { readChildren } from './process-table.ts';

/**
 * Reaps orphans re-parented to podvisor (as PID 1, or as a child subreaper elsewhere) without ever
 * taking the exit status of a child libuv waits for: waitpid(-1) would steal the server's status and its
 * ChildProcess would never emit 'exit'. Instead, on SIGCHLD, podvisor peeks at an ended child without
 * reaping it (waitid with WNOWAIT) and waits for it by pid when it is not one of libuv's. When one of libuv's
 * stands first in line, podvisor lets libuv reap it first (one turn of the event loop) and, if it is still
 * there, scans its children in /proc for zombies: the slow path.
 *
 * A SIGCHLD can be lost: libuv's signal handler writes each signal into a pipe and drops it when the pipe is
 * full (a flood of signals sent to podvisor). A child whose SIGCHLD was lost stays a zombie, and a zombie sends
 * no second one: libuv would never reap the server and podvisor would wait for its exit forever. So the reaper
 * also looks every RECHECK_MS, and when one of libuv's children is still there to be reaped after libuv's turn,
 * it raises SIGCHLD again for libuv (process.kill of its own pid), until libuv has reaped it.
 */
/** The libc calls reaping needs (a test may give others, for faults a real kernel will not make on demand). */
export type ReapingCalls = Pick<Libc, 'waitpidNoHang' | 'peekEndedChild'>;

/** How often the reaper looks for ended children without a SIGCHLD (one waitid(WNOWAIT) call). */
export const RECHECK_MS = 1000;
/** The shortest time between two SIGCHLDs the reaper raises for libuv. */
const RAISE_GAP_MS = 50;

export class OrphanReaper {
  readonly #spawnedByUs: ReadonlySet<number>;
  readonly #onReaped: (pid: number) => void;
  readonly #libc: ReapingCalls;
  #retry: NodeJS.Immediate | undefined;
  #recheck: NodeJS.Timeout | undefined;
  #raisedAt = 0;
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
    this.#recheck = setInterval(this.#onSignal, RECHECK_MS).unref();
    this.reap();
  }

  stop(): void {
    process.off('SIGCHLD', this.#onSignal);
    if (this.#retry !== undefined) clearImmediate(this.#retry);
    clearInterval(this.#recheck);
    this.#retry = undefined;
    this.#recheck = undefined;
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

  /**
   * After libuv's turn: the fast path again, or, when one of libuv's children still blocks the peek, the scan —
   * and SIGCHLD raised again, for libuv has missed that child's (its signal pipe was full).
   */
  #reapBehind(): void {
    const pid = this.#libc.peekEndedChild();
    if (pid !== undefined && pid > 0 && this.#spawnedByUs.has(pid)) {
      this.#scan();
      this.#raiseChildSignal();
    } else {
      this.reap();
    }
  }

  /** At most every RAISE_GAP_MS: a child libuv is about to reap anyway must not make a busy loop of it. */
  #raiseChildSignal(): void {
    const now = performance.now();
    if (now - this.#raisedAt < RAISE_GAP_MS) return;
    this.#raisedAt = now;
    try {
      process.kill(process.pid, 'SIGCHLD');
    } catch {
      // Cannot happen for one's own pid; the next recheck tries again.
    }
  }

  /** The slow path: every zombie child in /proc that is not libuv's, until a scan finds none. */
  #scan(): number {
    let reaped = 0;
    // One SIGCHLD can stand for many exits; loop until a scan finds nothing left to reap.
    for (;;) {
      const zombies = orphanZombies(readChildren(), process.pid, this.#spawnedByUs);
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
