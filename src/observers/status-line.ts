import { serverUptimeMs, type SupervisionView } from '../supervisor/supervision.ts';
import type { Logger } from './logger.ts';

/** The Darwin Streaming Server's PrintStatus (docs/origins.md): every `intervalSeconds`, one JSON log line with the state of supervision. */
export function startStatusLine(supervision: SupervisionView, logger: Logger, intervalSeconds: number): () => void {
  if (intervalSeconds <= 0) return () => {};
  const timer = setInterval(() => {
    const snapshot = supervision.snapshot;
    const now = Date.now();
    logger.info(
      {
        state: snapshot.state,
        serverPid: snapshot.pid ?? null,
        uptimeSeconds: serverUptimeMs(snapshot, now) / 1000,
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
