import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessCheck } from '../config/readiness-setting.ts';

const POLL_INTERVAL_MS = 100;
const ATTEMPT_TIMEOUT_MS = 1000;
/** How long a tcp probe waits, after connecting, for the server to close its side before podvisor closes its own. */
const POLITE_CLOSE_MS = 200;

/**
 * One attempt: does the server answer now? Never throws. A tcp probe connects and then closes politely: it reads
 * whatever the server says (a greeting) and sends FIN, so that the server sees an ordinary client that left, not a
 * reset that a fragile server might not survive.
 */
export async function answers(check: Extract<ReadinessCheck, { kind: 'tcp' | 'http' }>): Promise<boolean> {
  if (check.kind === 'tcp') {
    return new Promise((resolve) => {
      const socket = connect({ host: check.host, port: check.port, timeout: ATTEMPT_TIMEOUT_MS });
      socket.once('connect', () => {
        resolve(true);
        socket.setTimeout(0);
        socket.resume();
        socket.end();
        setTimeout(() => socket.destroy(), POLITE_CLOSE_MS).unref();
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => {
        socket.destroy();
        resolve(false);
      });
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
