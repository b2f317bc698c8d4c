import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { ListeningSocket } from '../process/listening-ports.ts';

/**
 * How long a fatal line from a server built on the kit waits for the kit's own report of it: the kit sends its
 * report before the line is written, but podvisor may read the output pipe first. The kit's report wins.
 */
export const KIT_FATAL_GRACE_MS = 250;

/** What podvisor knows of the server when one of its output lines reaches the fatal threshold. */
export interface FatalLineSituation {
  /** podvisor has asked this server to stop already (or a shutdown delay is under way). */
  readonly stopRequested: boolean;
  /** The kit reported a fatal error itself: the line is its echo. */
  readonly fatalErrorReported: boolean;
  /** The server is built on the kit and reports its own fatal errors. */
  readonly kitAttached: boolean;
  /** An earlier fatal line of this server awaits confirmation: this one is part of the same fault. */
  readonly confirming: boolean;
}

export type FatalLineDecision =
  | { readonly action: 'ignore' }
  /** Ask again after KIT_FATAL_GRACE_MS: the kit's report of the same error may be on its way. */
  | { readonly action: 'await_kit_report' }
  /** The error-log rule fires: fatal_error, and the fault is to be confirmed before anything restarts. */
  | { readonly action: 'confirm' };

/**
 * The error-log rule's decision for one fatal line (docs/output.md). `afterKitGrace` is true when the line is
 * asked about again after the kit's grace.
 */
export function decideFatalLine(situation: FatalLineSituation, afterKitGrace: boolean): FatalLineDecision {
  if (situation.stopRequested || situation.fatalErrorReported || situation.confirming) return { action: 'ignore' };
  if (situation.kitAttached && !afterKitGrace) return { action: 'await_kit_report' };
  return { action: 'confirm' };
}

/** How a fatal line is confirmed, besides the server's own exit. */
export type ConfirmationProbe =
  /** The server's configured health check (PODVISOR_READINESS tcp: or http:) fails. */
  | { readonly kind: 'check'; readonly check: Extract<ReadinessCheck, { kind: 'tcp' | 'http' }> }
  /** A TCP port the server's process group listened on when it logged the line stops accepting connections. */
  | { readonly kind: 'ports'; readonly sockets: readonly ListeningSocket[] }
  /** No check and no port: only the server's exit confirms it. */
  | { readonly kind: 'exit_only' };

/**
 * What confirms a fatal line (docs/output.md, "Confirmation"): the health check podvisor was given; else the
 * ports the server listens on, which is what its clients depend on (a server that still accepts connections on
 * every port is serving); else nothing but its exit.
 */
export function confirmationProbe(readiness: ReadinessCheck, listening: readonly ListeningSocket[]): ConfirmationProbe {
  if (readiness.kind === 'tcp' || readiness.kind === 'http') return { kind: 'check', check: readiness };
  return listening.length > 0 ? { kind: 'ports', sockets: listening } : { kind: 'exit_only' };
}

/** How often the probe is asked while a fatal line awaits confirmation. */
export const CONFIRMATION_POLL_MS = 250;
/** Failed answers in a row that confirm the fault: one refused connection may be a restart of a listener. */
export const CONFIRMATION_FAILURES = 2;

/** Failures in a row, per probe target, after one round of answers; `confirmed` once any reaches the threshold. Pure. */
export function countFailures(previous: readonly number[], answered: readonly boolean[]): { readonly failures: number[]; readonly confirmed: boolean } {
  const failures = answered.map((ok, index) => (ok ? 0 : (previous[index] ?? 0) + 1));
  return { failures, confirmed: failures.some((count) => count >= CONFIRMATION_FAILURES) };
}
