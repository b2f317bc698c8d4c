import { quoteLine } from '../output/quote-line.ts';
import { describeExit } from '../process/server-exit.ts';
import type { SupervisionEvent } from '../supervisor/events.ts';
import type { SupervisionListener } from '../supervisor/supervision.ts';
import type { Logger } from './logger.ts';

/** Turns supervision events into podvisor's own log lines. */
export function logEvents(logger: Logger): SupervisionListener {
  return (event: SupervisionEvent, snapshot) => {
    switch (event.type) {
      case 'transition':
        logger.debug({ from: event.from, to: event.to }, 'state changed');
        break;
      case 'server_spawned':
        logger.info({ serverPid: event.pid, command: event.command, restarts: snapshot.restarts, ...(event.terminal === true ? { terminal: true } : {}) }, 'server started');
        break;
      case 'server_spawn_failed':
        logger.error({ command: event.command, exitStatus: event.status }, event.message);
        break;
      case 'server_exited':
        logger.info(
          { serverPid: event.pid, code: event.exit.code, signal: event.exit.signal, ranForMs: event.ranForMs, stoppedBy: event.stoppedBy ?? 'none' },
          `server ended (${describeExit(event.exit)}${event.stoppedBy === 'podvisor' ? ', stopped by podvisor' : ''})`,
        );
        break;
      case 'restart_scheduled':
        logger.warn({ reason: event.reason, cause: quoteLine(event.cause), delayMs: event.delayMs, restarts: snapshot.restarts }, 'restarting the server');
        break;
      case 'gave_up':
        logger.error({ restarts: event.restarts, intervalMs: event.intervalMs, exitStatus: event.exitStatus }, 'start limit reached: giving up');
        break;
      case 'shutdown_started':
        logger.info({ signal: event.signal, delaySeconds: event.delaySeconds ?? 0 }, (event.delaySeconds ?? 0) > 0 ? 'shutting down: not ready now, the server serves on for the shutdown delay' : 'shutting down');
        break;
      case 'pod_deletion_seen':
        logger.warn("the Pod is being deleted (its deletionTimestamp is set): shutting down as on SIGTERM, which may have come before podvisor could hear it");
        break;
      case 'shutdown_delay_finished':
        logger.info({ outcome: event.outcome, seconds: event.seconds }, 'shutdown delay over: stopping the server');
        break;
      case 'shutdown_budget_exceeded':
        logger.warn(
          { needSeconds: event.needSeconds, graceSeconds: event.graceSeconds },
          "shutdown delay + drain + kill grace do not fit the pod's termination grace period: the kubelet would SIGKILL before the drain ends (docs/shutdown.md)",
        );
        break;
      case 'fatal_confirmed':
        logger.warn({ by: event.by, line: quoteLine(event.line) }, 'the fatal line is confirmed: restarting the server');
        break;
      case 'fatal_not_confirmed':
        logger.info({ seconds: event.seconds, line: quoteLine(event.line) }, 'the fatal line was not confirmed: the server serves on');
        break;
      case 'server_suspended':
        logger.warn({ suspended: event.suspended }, event.suspended ? 'the server is stopped (SIGSTOP): not ready' : 'the server continues');
        break;
      case 'leftovers_ended':
        if (event.outcome === 'killed') logger.warn({ seconds: event.seconds }, "the server's leftover processes were killed at the deadline");
        else logger.info({ seconds: event.seconds }, "the server's leftover processes ended");
        break;
      case 'processes_left':
        logger.warn({ pids: event.pids, where: event.where }, 'processes podvisor cannot end are left behind (zombies whose own parent never reaps them, or processes SIGKILL did not end)');
        break;
      case 'escaped_processes_signalled':
        logger.info({ pids: event.pids, signal: event.signal }, 'processes that left the server\'s process group were signalled');
        break;
      case 'drain_finished':
        (event.outcome === 'drained' ? logger.info : logger.warn).call(logger, { outcome: event.outcome, seconds: event.seconds }, event.outcome === 'drained' ? 'server drained' : 'drain deadline passed: process group killed');
        break;
      case 'prefs_reloaded':
        if (event.withoutFile === true) logger.info({ autoRestart: event.autoRestart, trigger: event.trigger }, 'no prefs file to re-read (PODVISOR_PREFS_FILE is not set): autoRestart stays as set');
        else logger.info({ autoRestart: event.autoRestart, trigger: event.trigger }, 'prefs reloaded');
        break;
      case 'prefs_rejected':
        logger.warn(event.message);
        break;
      case 'fatal_reported':
        logger.error({ source: event.source, stream: event.stream, line: quoteLine(event.line) }, 'the server reported a fatal error');
        break;
      case 'signal_forwarded':
        logger.debug({ signal: event.signal, serverPid: event.pid }, 'signal forwarded');
        break;
      case 'kit_message_dropped':
        logger.warn(
          { serverPid: event.pid, why: event.why, dropped: event.count },
          `dropped ${event.count} line(s) of the server's kit channel (${event.why}); only the server kit writes there (docs/kit.md)`,
        );
        break;
      case 'orphan_reaped':
        logger.debug({ orphanPid: event.pid }, 'orphan reaped');
        break;
      case 'supervisor_exiting':
        logger.info({ exitStatus: event.status, why: event.why }, 'podvisor exiting');
        break;
      case 'restart_began':
      case 'sessions_changed':
      case 'log_line':
        break;
    }
  };
}
