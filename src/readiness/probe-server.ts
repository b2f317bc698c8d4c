import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessCheck } from '../config/readiness-setting.ts';

const POLL_INTERVAL_MS = 100;
const ATTEMPT_TIMEOUT_MS = 1000;

/** One attempt: does the server answer now? Never throws. */
async function answers(check: Extract<ReadinessCheck, { kind: 'tcp' | 'http' }>): Promise<boolean> {
  if (check.kind === 'tcp') {
    return new Promise((resolve) => {
      const socket = connect({ host: check.host, port: check.port, timeout: ATTEMPT_TIMEOUT_MS });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
  }
  try {
    const response = await fetch(check.url, { signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS), redirect: 'manual' });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}

/** Polls a tcp: or http: readiness check until it passes (true) or `abort` fires (false). */
export async function pollUntilReady(check: Extract<ReadinessCheck, { kind: 'tcp' | 'http' }>, abort: AbortSignal): Promise<boolean> {
  while (!abort.aborted) {
    if (await answers(check)) return !abort.aborted;
    await sleep(POLL_INTERVAL_MS, undefined, { signal: abort }).catch(() => {});
  }
  return false;
}
