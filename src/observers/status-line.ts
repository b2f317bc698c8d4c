import type { Supervision } from '../supervisor/supervision.ts';
import type { Logger } from './logger.ts';

/** The seed's PrintStatus: every `intervalSeconds`, one JSON log line with the state of supervision. */
export function startStatusLine(supervision: Supervision, logger: Logger, intervalSeconds: number): () => void {
  if (intervalSeconds <= 0) return () => {};
  const timer = setInterval(() => {
    const snapshot = supervision.snapshot;
    const now = Date.now();
    logger.info(
      {
        state: snapshot.state,
        serverPid: snapshot.pid ?? null,
        uptimeSeconds: snapshot.serverStartedAt === undefined || snapshot.pid === undefined ? 0 : (now - snapshot.serverStartedAt) / 1000,
        supervisorUptimeSeconds: (now - snapshot.supervisorStartedAt) / 1000,
        restarts: snapshot.restarts,
        sessions: snapshot.sessions ?? null,
      },
      'status',
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
