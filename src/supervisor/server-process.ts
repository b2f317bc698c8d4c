import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerOutput } from '../output/server-output.ts';
import { groupExists, groupMembers, membersThatCanEnd, signalGroup, signalServerGroup } from '../process/process-group.ts';
import { spawnServer, type SpawnedServer } from '../process/spawn-server.ts';
import type { Terminal } from '../process/terminal.ts';
import type { StopCause } from './restart-plan.ts';
import { StopDeadline, stopDeadlineMs, type DeadlineSettings } from './stop-deadline.ts';

/** How often the end of a lingering process group is checked for (it has no event of its own). */
const GROUP_POLL_MS = 20;
/** After the deadline's SIGKILL, how long podvisor waits for the killed to be gone before it goes on without them. */
export const AFTER_KILL_WAIT_MS = 1000;
/** How long podvisor waits for the server's output pipes to end once its whole process group is gone. */
export const OUTPUT_FLUSH_MS = 2000;
/**
 * How long podvisor waits, after the server's exit, for the rest of its kit channel: the end comes at once unless
 * a child of the server inherited the channel and still holds it.
 */
export const CHANNEL_READ_MS = 100;

/** What podvisor knows of one server process. Replaced, never changed in place. */
export interface ServerFacts {
  readonly pid: number;
  readonly startedAt: number;
  /** The server said hello over the kit's channel: it reports its own state and fatal errors. */
  readonly kitAttached: boolean;
  /** Why podvisor asked it to stop; a shutdown replaces a restart under way, nothing replaces a shutdown. */
  readonly stopCause: StopCause | undefined;
  /** The kit reported a fatal error (or the error-log rule fired): it is restarted whatever its status. */
  readonly fatalErrorReported: boolean;
  /** The output line that made the error-log rule fire. */
  readonly fatalLine: string | undefined;
  /** The signals podvisor sent to stop it (SIGINT for a restart, the stop signal), in order; SIGCONT not counted. */
  readonly signalsSent: readonly NodeJS.Signals[];
  /** Its kit reported a keystroke at its terminal (Ctrl-C, Ctrl-\), the last one: its end answers that. */
  readonly keystroke?: NodeJS.Signals | undefined;
}

/** How the wait for a process group ended. */
export type GroupEnd =
  | { readonly gone: true }
  /** What is left after the deadline: zombies of a parent that never reaps them, or processes that would not die. */
  | { readonly gone: false; readonly left: readonly number[] };

export type StartResult = { readonly ok: true; readonly server: ServerProcess } | { readonly ok: false; readonly status: 126 | 127; readonly message: string };

export interface StartOptions {
  readonly command: readonly string[];
  readonly environment: NodeJS.ProcessEnv;
  readonly output: ServerOutput;
  /** podvisor's terminal, when its stdin is one: the server gets it when podvisor holds its foreground. */
  readonly terminal?: Terminal | undefined;
  readonly deadline: DeadlineSettings;
  /** Told the pid before any event can run, so that the orphan reaper never takes libuv's child. */
  readonly onPid: (pid: number) => void;
  readonly isOwnChild: (pid: number) => boolean;
  readonly now: () => number;
}

/**
 * One server process and the effects podvisor has on it: its spawn, signals to its process group, the stop
 * deadline, the wait for the group to be gone. What to do is decided elsewhere; this only does it.
 */
export class ServerProcess {
  readonly spawned: SpawnedServer;
  readonly deadline: StopDeadline;
  /** Aborted when the server is asked to stop or has ended: readiness polling and its timeout end with it. */
  readonly readiness = new AbortController();
  /** Settles once both output streams have ended and been passed on. */
  readonly output: Promise<void>;
  #facts: ServerFacts;
  readonly #now: () => number;

  private constructor(spawned: SpawnedServer, output: Promise<void>, options: StartOptions) {
    this.spawned = spawned;
    this.output = output;
    this.#facts = { pid: spawned.pid, startedAt: options.now(), kitAttached: false, stopCause: undefined, fatalErrorReported: false, fatalLine: undefined, signalsSent: [] };
    this.#now = options.now;
    this.deadline = new StopDeadline(spawned.pid, stopDeadlineMs(options.deadline), () => options.isOwnChild(spawned.pid), options.now);
  }

  static async start(options: StartOptions): Promise<StartResult> {
    const result = await spawnServer({
      command: options.command,
      stdout: options.output.stdout,
      stderr: options.output.stderr,
      environment: options.environment,
      terminal: options.terminal?.handover().give === true ? options.terminal : undefined,
      onPid: options.onPid,
    });
    if (!result.ok) return result;
    const output = options.output.attach(result.server.stdout, result.server.stderr).catch(() => {});
    return { ok: true, server: new ServerProcess(result.server, output, options) };
  }

  get pid(): number {
    return this.spawned.pid;
  }

  get facts(): ServerFacts {
    return this.#facts;
  }

  update(patch: Partial<Omit<ServerFacts, 'pid' | 'startedAt' | 'signalsSent'>>): void {
    this.#facts = { ...this.#facts, ...patch };
  }

  /**
   * Sends `signal` to the whole group, then SIGCONT (a stopped server could not run its handler), and arms the
   * deadline (once). The first cause is kept, except that a shutdown replaces a restart under way. Returns whether
   * the group still existed to receive it.
   */
  stop(signal: NodeJS.Signals, cause: StopCause): boolean {
    const current = this.#facts.stopCause;
    if (current === undefined || cause.kind === 'shutdown') this.update({ stopCause: cause });
    this.#facts = { ...this.#facts, signalsSent: [...this.#facts.signalsSent, signal] };
    const delivered = signalServerGroup(this.pid, signal);
    if (delivered) signalServerGroup(this.pid, 'SIGCONT');
    this.readiness.abort();
    this.deadline.arm();
    return delivered;
  }

  /** Whether the server's end is podvisor's doing: a stop signal was sent, or the deadline's SIGKILL found it alive. */
  get stoppedByPodvisor(): boolean {
    return this.#facts.signalsSent.length > 0 || this.deadline.killedServer;
  }

  /** Passes `signal` to the group (and to the server, should it have left it); false when both are gone. */
  forward(signal: NodeJS.Signals): boolean {
    return signalServerGroup(this.pid, signal);
  }

  /**
   * podvisor does not go on before the server's process group is gone: what is left of it after the server's exit
   * is asked to stop (SIGTERM, SIGCONT) and, at the deadline, killed. The wait is bounded: once the deadline has
   * passed, zombies that only their own (escaped) parent could reap are left, and so is, AFTER_KILL_WAIT_MS later,
   * anything SIGKILL did not end; `left` names them.
   */
  async waitForGroup(): Promise<GroupEnd> {
    if (!groupExists(this.pid)) return { gone: true };
    if (!this.deadline.armed) {
      signalGroup(this.pid, 'SIGTERM');
      signalGroup(this.pid, 'SIGCONT');
      this.deadline.arm();
    }
    for (;;) {
      if (!groupExists(this.pid)) {
        this.deadline.clear();
        return { gone: true };
      }
      const firedAt = this.deadline.firedAt;
      if (firedAt !== undefined) {
        const members = groupMembers(this.pid);
        const canEnd = membersThatCanEnd(members, process.pid);
        if (canEnd.length === 0 || this.#now() - firedAt >= AFTER_KILL_WAIT_MS) {
          this.deadline.clear();
          return { gone: false, left: (canEnd.length === 0 ? members : canEnd).map((member) => member.pid) };
        }
      }
      await sleep(GROUP_POLL_MS);
    }
  }

  /** The server's kit channel has been read to its end (or CHANNEL_READ_MS passed). */
  async channelRead(): Promise<void> {
    const channel = this.spawned.channel;
    if (channel === undefined) return;
    const waited = new AbortController();
    await Promise.race([channel.ended(), sleep(CHANNEL_READ_MS, undefined, { ref: false, signal: waited.signal }).catch(() => {})]);
    waited.abort();
  }

  /** Every byte the server wrote is passed on, unless a descendant that left the group holds a pipe open. */
  async flushOutput(): Promise<void> {
    await Promise.race([this.output, sleep(OUTPUT_FLUSH_MS, undefined, { ref: false })]);
  }
}
