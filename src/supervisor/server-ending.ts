import type { Settings } from '../config/settings.ts';
import type { ServerExit } from '../process/server-exit.ts';
import { endEscapedProcesses, signalEscapedProcesses } from './escaped-processes.ts';
import type { StopCause } from './restart-plan.ts';
import type { ServerProcess } from './server-process.ts';
import type { ServerWatch } from './server-watch.ts';
import { stopDeadlineMs } from './stop-deadline.ts';
import type { Supervision } from './supervision.ts';

/**
 * Asks a server to stop: the signal (then SIGCONT) goes first, then the observers hear of it, in the same turn, so
 * readiness fails before any probe is answered; a shutdown's signal also goes to what escaped the server's group.
 */
export function stopServer(server: ServerProcess, signal: NodeJS.Signals, cause: StopCause, supervision: Supervision, ownChildren: ReadonlySet<number>): void {
  const delivered = server.stop(signal, cause);
  supervision.apply({ type: 'stop_requested' });
  if (delivered) supervision.emit({ type: 'signal_forwarded', signal, pid: server.pid });
  if (cause.kind !== 'shutdown') return;
  const escaped = signalEscapedProcesses(signal, ownChildren);
  if (escaped.length > 0) supervision.emit({ type: 'escaped_processes_signalled', pids: escaped, signal });
}

/** What the end of a server tells the restart plan: how long it ran, and whether a fatal line of it awaited confirmation. */
export interface EndedServer {
  readonly exitedAt: number;
  readonly ranForMs: number;
  readonly fatalLinePending: boolean;
}

/**
 * Records a server's end (docs/supervision.md, "Who ended it"): the last exit with `stoppedBy` when it was
 * podvisor's doing, the `server_exited` event, and a fatal line that awaited confirmation, confirmed by the exit.
 */
export function recordEnd(server: ServerProcess, exit: ServerExit, watch: ServerWatch | undefined, supervision: Supervision, now: number): EndedServer {
  const stoppedBy = server.stoppedByPodvisor ? 'podvisor' : undefined;
  const ranForMs = now - server.facts.startedAt;
  supervision.update({ lastExit: stoppedBy === undefined ? exit : { ...exit, stoppedBy }, sessions: undefined, fatalLinePending: false, serverSuspended: false });
  supervision.emit({ type: 'server_exited', pid: server.pid, exit, ranForMs, ...(stoppedBy === undefined ? {} : { stoppedBy }) });
  const fatalLinePending = watch?.fatalLinePending === true;
  if (fatalLinePending && stoppedBy === undefined) supervision.emit({ type: 'fatal_confirmed', by: 'exit', line: server.facts.fatalLine ?? '' });
  return { exitedAt: now, ranForMs, fatalLinePending };
}

/**
 * What comes after a server's end, before the next start or podvisor's exit: its process group gone (bounded by the
 * deadline; what cannot end is named), the drain recorded when it was podvisor's stop (a cleanup of what a server
 * that ended on its own left behind is not a drain), its kit channel closed.
 */
export async function clearServer(server: ServerProcess, supervision: Supervision): Promise<void> {
  const end = await server.waitForGroup();
  if (!end.gone) supervision.emit({ type: 'processes_left', pids: end.left, where: 'group' });
  const drain = server.deadline.takeDrainResult();
  if (drain !== undefined) supervision.emit({ type: server.stoppedByPodvisor ? 'drain_finished' : 'leftovers_ended', ...drain });
  void server.spawned.channel?.close();
}

/** podvisor leaves nothing behind: what escaped the server's group gets `stopSignal`, then SIGKILL at the deadline. */
export async function endEscaped(stopSignal: NodeJS.Signals, settings: Pick<Settings, 'drainSeconds' | 'killGraceMs'>, ownChildren: ReadonlySet<number>, supervision: Supervision, stopSentAt?: number): Promise<void> {
  const left = await endEscapedProcesses(stopSignal, stopDeadlineMs(settings), ownChildren, (pids, signal) => supervision.emit({ type: 'escaped_processes_signalled', pids, signal }), stopSentAt);
  if (left.length > 0) supervision.emit({ type: 'processes_left', pids: left, where: 'escaped' });
}
