import { killDeadlineMs } from '../ipc/drain-timing.ts';
import { groupExists, signalServerGroup } from '../process/process-group.ts';

/** The drain settings the deadline is made of (docs/supervision.md, "Shutdown"). */
export interface DeadlineSettings {
  readonly drainSeconds: number;
  readonly killGraceMs: number;
}

/** From the stop signal to the SIGKILL of the whole group: the drain time plus the kill grace, in ms. */
export function stopDeadlineMs(settings: DeadlineSettings): number {
  return killDeadlineMs(settings.drainSeconds, settings.killGraceMs);
}

/** How a drain ended, once the group is gone: `killed` when the deadline's SIGKILL had to be sent. */
export interface DrainResult {
  readonly outcome: 'drained' | 'killed';
  readonly seconds: number;
}

/**
 * The one place that arms, fires and clears the stop deadline of one server's process group. Armed at most once
 * (the first stop signal, the kit draining on its own, or leftovers of the group after the server's exit); a
 * later stop never restarts the wait. When it fires and the group still exists, the whole group is SIGKILLed.
 */
export class StopDeadline {
  readonly #groupId: number;
  readonly #delayMs: number;
  readonly #serverAlive: () => boolean;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #armedAt: number | undefined;
  #drainReported = false;
  /** The deadline fired while the group still existed: SIGKILL was sent. */
  #killedGroup = false;
  /** …and the server itself was still alive then (its exit is podvisor's SIGKILL). */
  #killedServer = false;
  #firedAt: number | undefined;

  constructor(groupId: number, delayMs: number, serverAlive: () => boolean, now: () => number) {
    this.#groupId = groupId;
    this.#delayMs = delayMs;
    this.#serverAlive = serverAlive;
    this.#now = now;
  }

  get armed(): boolean {
    return this.#armedAt !== undefined;
  }

  get killedServer(): boolean {
    return this.#killedServer;
  }

  /** When the deadline passed (ms), if it has. */
  get firedAt(): number | undefined {
    return this.#firedAt;
  }

  arm(): void {
    if (this.#armedAt !== undefined) return;
    this.#armedAt = this.#now();
    this.#timer = setTimeout(() => this.#fire(), this.#delayMs);
  }

  /** The group is gone: nothing is left to kill. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The drain's outcome, once per armed deadline; undefined when none was armed (or it was reported). */
  takeDrainResult(): DrainResult | undefined {
    if (this.#armedAt === undefined || this.#drainReported) return undefined;
    this.#drainReported = true;
    return { outcome: this.#killedGroup ? 'killed' : 'drained', seconds: (this.#now() - this.#armedAt) / 1000 };
  }

  #fire(): void {
    this.#timer = undefined;
    this.#firedAt = this.#now();
    const serverAlive = this.#serverAlive();
    // The server may have left its group (on a terminal it can join another of podvisor's session): it is killed too.
    if (!groupExists(this.#groupId) && !serverAlive) return;
    this.#killedServer = serverAlive;
    this.#killedGroup = true;
    signalServerGroup(this.#groupId, 'SIGKILL');
  }
}
