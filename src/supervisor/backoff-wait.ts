import { setTimeout as sleep } from 'node:timers/promises';

/** How a back-off wait ended: the delay passed, or it was ended early to start now (SIGINT) or to end (shutdown). */
export type BackoffEnd = 'elapsed' | 'start_now' | 'end';

/** The wait before a restart (docs/supervision.md, "Back-off"), which a signal may end early. */
export class BackoffWait {
  #controller: AbortController | undefined;

  /** Waits `delayMs`; no timer at all for 0 (a timer would add a turn of the event loop to every immediate restart). */
  async wait(delayMs: number): Promise<BackoffEnd> {
    if (delayMs === 0) return 'elapsed';
    const controller = new AbortController();
    this.#controller = controller;
    try {
      await sleep(delayMs, undefined, { signal: controller.signal });
      return 'elapsed';
    } catch {
      return controller.signal.reason === 'start_now' ? 'start_now' : 'end';
    } finally {
      this.#controller = undefined;
    }
  }

  /** Ends a wait under way (a no-op when none is). */
  end(how: Exclude<BackoffEnd, 'elapsed'>): void {
    this.#controller?.abort(how);
  }
}
