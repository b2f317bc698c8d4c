import type { KitMessage } from '../ipc/protocol.ts';

/** Where the kit's messages to podvisor go. */
export interface PodvisorChannel {
  /** Whether podvisor is listening (false when the server runs alone). */
  readonly connected: boolean;
  send(message: KitMessage): void;
  /** Resolves once every message sent so far has been written, or after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
  /** Calls `listener` once if the channel closes: podvisor is gone (killed, or crashed). */
  onDisconnect(listener: () => void): void;
}

/** The channel of a server that runs alone: every message goes nowhere. */
export const NO_CHANNEL: PodvisorChannel = {
  connected: false,
  send: () => {},
  flush: () => Promise.resolve(),
  onDisconnect: () => {},
};

/**
 * Node's IPC channel to podvisor (the 'ipc' stdio slot podvisor spawns every server with), or NO_CHANNEL when
 * there is none. The channel is unref'd: it must never keep the server alive on its own. A message that
 * cannot be sent (podvisor is gone) is dropped; the server goes on.
 */
export function ipcChannel(target: NodeJS.Process = process): PodvisorChannel {
  if (typeof target.send !== 'function') return NO_CHANNEL;
  target.channel?.unref();
  let pending = 0;
  const idleWaiters = new Set<() => void>();
  const sent = (): void => {
    pending -= 1;
    if (pending === 0) for (const waiter of [...idleWaiters]) waiter();
  };
  return {
    get connected() {
      return target.connected === true;
    },
    send(message) {
      if (target.connected !== true || target.send === undefined) return;
      pending += 1;
      try {
        target.send(message, undefined, undefined, sent);
      } catch {
        // The channel closed between the check and the send: podvisor is gone, nobody to tell.
        sent();
      }
    },
    flush(timeoutMs) {
      if (pending === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        idleWaiters.add(done);
      });
    },
    onDisconnect(listener) {
      // A 'disconnect' listener does not ref the channel (only 'message' listeners do).
      target.once('disconnect', listener);
    },
  };
}

/**
 * Coalesces session counts: the first change in a quiet period is sent after `intervalMs`, carrying the count
 * of that moment, so that 10,000 sessions opening at once cost a handful of messages, not 10,000. The last
 * count always arrives: a change during the wait re-arms the timer, and `flush()` sends at once.
 */
export class SessionCountReporter {
  readonly #send: (count: number) => void;
  readonly #intervalMs: number;
  #latest = 0;
  #reported = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(send: (count: number) => void, intervalMs: number) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  changed(count: number): void {
    this.#latest = count;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Sends the latest count now if it differs from the last one sent. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#latest === this.#reported) return;
    this.#reported = this.#latest;
    this.#send(this.#latest);
  }
}
