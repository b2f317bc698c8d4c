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
        logger.info({ serverPid: event.pid, command: event.command, restarts: snapshot.restarts }, 'server started');
        break;
      case 'server_spawn_failed':
        logger.error({ command: event.command, exitStatus: event.status }, event.message);
        break;
      case 'server_exited':
        logger.info({ serverPid: event.pid, code: event.exit.code, signal: event.exit.signal, ranForMs: event.ranForMs }, `server ended (${describeExit(event.exit)})`);
        break;
      case 'restart_scheduled':
        logger.warn({ reason: event.reason, cause: quoteLine(event.cause), delayMs: event.delayMs, restarts: snapshot.restarts }, 'restarting the server');
        break;
      case 'gave_up':
        logger.error({ restarts: event.restarts, intervalMs: event.intervalMs, exitStatus: event.exitStatus }, 'start limit reached: giving up');
        break;
      case 'shutdown_started':
        logger.info({ signal: event.signal }, 'shutting down');
        break;
      case 'drain_finished':
        (event.outcome === 'drained' ? logger.info : logger.warn).call(logger, { outcome: event.outcome, seconds: event.seconds }, event.outcome === 'drained' ? 'server drained' : 'drain deadline passed: process group killed');
        break;
      case 'prefs_reloaded':
        logger.info({ autoRestart: event.autoRestart, trigger: event.trigger }, 'prefs reloaded');
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
