/**
 * The one statement of how long a stop may take, shared by podvisor and the kit (docs/supervision.md, "The
 * drain deadline"). podvisor SIGKILLs the server's process group PODVISOR_DRAIN_SECONDS plus
 * PODVISOR_KILL_GRACE_MS after the stop signal; a server built on the kit plans its own drain so that it has
 * exited by then: its sessions, then its `stop()` handler, then its last messages to podvisor.
 */

/** The least time the kit gives a server's `stop()` handler, even after a drain that used all its time. */
export const KIT_STOP_GRACE_MS = 250;
/** How long the kit's last messages to podvisor may take to leave before it exits. */
export const KIT_CHANNEL_FLUSH_MS = 250;
/** What the kit needs after its sessions: stop() and the flush of its channel. */
export const KIT_EXIT_MARGIN_MS = KIT_STOP_GRACE_MS + KIT_CHANNEL_FLUSH_MS;

/** podvisor's deadline: from the stop signal to the SIGKILL of the whole group, in ms. */
export function killDeadlineMs(drainSeconds: number, killGraceMs: number): number {
  return drainSeconds * 1000 + killGraceMs;
}

/** The kit's drain, in ms from the stop signal. */
export interface KitDrainPlan {
  /** Sessions are asked to end and waited for until then; what is left is closed. */
  readonly sessionsEndMs: number;
  /** The server's stop() handler may run until then. */
  readonly stopEndMs: number;
}

/**
 * The kit's drain within podvisor's deadline: sessions for the whole drain time when the kill grace covers the
 * kit's exit margin (the default 1000 ms does), else as much shorter as it must be; stop() until the drain time
 * (at least KIT_STOP_GRACE_MS); and the flush within what is left. A deadline shorter than the margin itself
 * (drain 0 and a kill grace under 500 ms) cannot be met: the kit then does its best.
 */
export function kitDrainPlan(drainSeconds: number, killGraceMs: number): KitDrainPlan {
  const drainMs = drainSeconds * 1000;
  const deadline = killDeadlineMs(drainSeconds, killGraceMs);
  const sessionsEndMs = Math.max(0, Math.min(drainMs, deadline - KIT_EXIT_MARGIN_MS));
  const stopEndMs = Math.max(sessionsEndMs, Math.min(deadline - KIT_CHANNEL_FLUSH_MS, Math.max(drainMs, sessionsEndMs + KIT_STOP_GRACE_MS)));
  return { sessionsEndMs, stopEndMs };
}
