import { Socket } from 'node:net';
import { CHANNEL_FD_VARIABLE, encodeKitMessage, type KitMessage } from '../ipc/protocol.ts';

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
 * The channel podvisor gave this server (its descriptor is in PODVISOR_CHANNEL_FD, docs/kit.md), or NO_CHANNEL
 * when there is none. The variable is removed from the environment once taken, so that the server's own children
 * never write to it. The socket is unref'd: it never keeps the server alive on its own. A message that cannot be
 * sent (podvisor is gone) is dropped; the server goes on.
 */
export function podvisorChannel(environment: NodeJS.ProcessEnv = process.env): PodvisorChannel {
  const text = environment[CHANNEL_FD_VARIABLE];
  const fd = Number(text);
  if (text === undefined || !Number.isInteger(fd) || fd < 3) return NO_CHANNEL;
  Reflect.deleteProperty(environment, CHANNEL_FD_VARIABLE);
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: true });
  } catch {
    return NO_CHANNEL;
  }
  socket.unref();
  let connected = true;
  const disconnectListeners = new Set<() => void>();
  const disconnected = (): void => {
    if (!connected) return;
    connected = false;
    for (const listener of [...disconnectListeners]) listener();
  };
  // podvisor never writes: the end of the stream, or an error, means podvisor is gone.
  socket.on('data', () => {});
  socket.once('end', disconnected);
  socket.once('close', disconnected);
  socket.on('error', () => {
    disconnected();
    socket.destroy();
  });
  let pending = 0;
  const idleWaiters = new Set<() => void>();
  const sent = (): void => {
    pending -= 1;
    if (pending === 0) for (const waiter of [...idleWaiters]) waiter();
  };
  return {
    get connected() {
      return connected;
    },
    send(message) {
      if (!connected) return;
      pending += 1;
      socket.write(encodeKitMessage(message), () => sent());
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
      disconnectListeners.add(listener);
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
