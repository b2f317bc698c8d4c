import { readdirSync, readFileSync } from 'node:fs';
import { libc, type Libc } from './libc.ts';
import { orphanZombies, parseProcStat, type ProcessStat } from './proc-stat.ts';

/**
 * Reaps orphans re-parented to podvisor (as PID 1, or as a child subreaper elsewhere) without ever
 * taking the exit status of a child libuv waits for: waitpid(-1) would steal the server's status and its
 * ChildProcess would never emit 'exit'. Instead, on SIGCHLD, /proc is scanned for zombies whose parent is
 * us and each one not spawned by us is waited for by pid.
 */
export class OrphanReaper {
  readonly #spawnedByUs: ReadonlySet<number>;
  readonly #onReaped: (pid: number) => void;
  readonly #libc: Libc;
  readonly #onSignal = (): void => {
    this.reap();
  };

  /** `spawnedByUs`: the pids libuv waits for (the supervisor keeps this set current). */
  constructor(spawnedByUs: ReadonlySet<number>, onReaped: (pid: number) => void, library: Libc = libc()) {
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
  }

  /** Reaps every orphan zombie now; returns how many. */
  reap(): number {
    let reaped = 0;
    // One SIGCHLD can stand for many exits; loop until a scan finds nothing left to reap.
    for (;;) {
      const zombies = orphanZombies(childStats(), process.pid, this.#spawnedByUs);
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

function childStats(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return stats;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'latin1'));
      if (stat !== undefined) stats.push(stat);
    } catch {
      // The process ended between readdir and read: nothing to reap there.
    }
  }
  return stats;
}
