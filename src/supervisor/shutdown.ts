import type { Supervision } from './supervision.ts';

/**
 * The shutdown of supervision (docs/shutdown.md): asked for once (SIGTERM, SIGQUIT, Ctrl-C twice, an abort), then
 * optionally the shutdown delay, during which the server serves on while readiness fails (so that Services, kube-proxy
 * and load balancers stop sending it traffic first), then the stop signal. The one place that starts, ends and
 * times the delay.
 */
export class Shutdown {
  readonly #delaySeconds: number;
  readonly #supervision: Supervision;
  readonly #now: () => number;
  readonly #stopNow: () => void;
  #phase: 'none' | 'delaying' | 'stopping' = 'none';
  #received: NodeJS.Signals | undefined;
  #stopSignal: NodeJS.Signals | undefined;
  #delayStartedAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** `stopNow` sends the stop signal to the server, when the delay ends. */
  constructor(delaySeconds: number, supervision: Supervision, now: () => number, stopNow: () => void) {
    this.#delaySeconds = delaySeconds;
    this.#supervision = supervision;
    this.#now = now;
    this.#stopNow = stopNow;
  }

  get phase(): 'none' | 'delaying' | 'stopping' {
    return this.#phase;
  }

  /** The signal that asked for the shutdown, as it came. */
  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  /** The signal the server is (or will be) stopped with; undefined while no shutdown was asked for. */
  get stopSignal(): NodeJS.Signals | undefined {
    return this.#stopSignal;
  }

  /** Shutdown begins; with `delay`, the server serves on for the delay first. Observers hear of it after the signal. */
  begin(received: NodeJS.Signals, stopSignal: NodeJS.Signals, delay: boolean): void {
    if (this.#phase !== 'none') return;
    this.#received = received;
    this.#stopSignal = stopSignal;
    if (!delay) {
      this.#phase = 'stopping';
      this.#supervision.emit({ type: 'shutdown_started', signal: received, delaySeconds: 0 });
      return;
    }
    this.#phase = 'delaying';
    this.#delayStartedAt = this.#now();
    this.#timer = setTimeout(() => this.endDelay('elapsed'), this.#delaySeconds * 1000);
    this.#supervision.emit({ type: 'shutdown_started', signal: received, delaySeconds: this.#delaySeconds });
  }

  /** The delay ends (it elapsed, or was cut short): the stop signal goes out now. No-op outside the delay. */
  endDelay(outcome: 'elapsed' | 'cut_short'): void {
    if (this.#phase !== 'delaying') return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#phase = 'stopping';
    this.#stopNow();
    this.#supervision.emit({ type: 'shutdown_delay_finished', outcome, seconds: (this.#now() - (this.#delayStartedAt ?? this.#now())) / 1000 });
  }
}
