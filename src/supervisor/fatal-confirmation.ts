import { setTimeout as sleep } from 'node:timers/promises';
import { answers } from '../readiness/probe-server.ts';
import { CONFIRMATION_POLL_MS, countFailures, type ConfirmationProbe } from './fatal-line.ts';

export type ConfirmationOutcome = 'confirmed' | 'not_confirmed' | 'aborted';

/**
 * Watches a server that logged a fatal line for `windowMs` (PODVISOR_FATAL_CONFIRM_SECONDS): `confirmed` when the
 * probe fails, `not_confirmed` when the window passes with the server still serving, `aborted` when `abort` fires
 * first (the server ended, which confirms the line in its own way, or podvisor stopped it). A window of 0 confirms
 * at once: the line alone restarts the server.
 */
export async function confirmFatalLine(probe: ConfirmationProbe, windowMs: number, abort: AbortSignal, now: () => number = Date.now): Promise<ConfirmationOutcome> {
  if (windowMs === 0) return 'confirmed';
  const end = now() + windowMs;
  let failures: number[] = [];
  while (!abort.aborted) {
    const left = end - now();
    if (left <= 0) return 'not_confirmed';
    if (probe.kind !== 'exit_only') {
      const targets = probe.kind === 'check' ? [probe.check] : probe.sockets.map((socket) => ({ kind: 'tcp' as const, host: socket.host, port: socket.port }));
      const answered = await Promise.all(targets.map((target) => answers(target)));
      if (abort.aborted) break;
      const round = countFailures(failures, answered);
      if (round.confirmed) return 'confirmed';
      failures = round.failures;
    }
    try {
      await sleep(probe.kind === 'exit_only' ? Math.max(0, end - now()) : Math.min(CONFIRMATION_POLL_MS, Math.max(0, end - now())), undefined, { signal: abort });
    } catch {
      break;
    }
  }
  return 'aborted';
}
