import type { StatusDocument } from '../../observers/http/probe-answers.ts';

/** What /status said before ctl asked for a restart. */
export interface RestartBaseline {
  readonly restarts: number;
  readonly pid: number | null;
}

/**
 * Where a restart asked for with SIGINT stands, from /status (`gone`: podvisor no longer answers). `under_way`: the
 * old server ended (the restart is counted) or, from back-off, a new one was spawned; `running`: a new server is
 * running. Pure.
 */
export function restartProgress(before: RestartBaseline, now: StatusDocument | 'gone'): 'gone' | 'not_yet' | 'under_way' | 'running' {
  if (now === 'gone') return 'gone';
  const newServer = now.pid !== null && now.pid !== before.pid;
  const underWay = now.restarts > before.restarts || (before.pid === null && newServer);
  if (!underWay) return 'not_yet';
  return newServer && now.state === 'running' ? 'running' : 'under_way';
}

/** Whether the shutdown asked for with SIGTERM has begun, from /status (`gone`: podvisor has exited). Pure. */
export function shutdownBegun(now: StatusDocument | 'gone'): boolean {
  return now === 'gone' || now.state === 'shutting_down' || now.state === 'stopped';
}
