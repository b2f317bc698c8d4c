/**
 * How long a fatal line from a server built on the kit waits for the kit's own report of it: the kit sends its
 * report before the line is written, but podvisor may read the output pipe first. The kit's report wins.
 */
export const KIT_FATAL_GRACE_MS = 250;

/** What podvisor knows of the server when one of its output lines reaches the fatal threshold. */
export interface FatalLineSituation {
  /** podvisor has asked this server to stop already. */
  readonly stopRequested: boolean;
  /** The kit reported a fatal error itself: the line is its echo. */
  readonly fatalErrorReported: boolean;
  /** The server is built on the kit and reports its own fatal errors. */
  readonly kitAttached: boolean;
}

export type FatalLineDecision =
  | { readonly action: 'ignore' }
  /** Ask again after KIT_FATAL_GRACE_MS: the kit's report of the same error may be on its way. */
  | { readonly action: 'await_kit_report' }
  /** The error-log rule fires: fatal_error, a graceful stop, a restart with reason fatal_log. */
  | { readonly action: 'restart_for_line' };

/**
 * The error-log rule's decision for one fatal line (docs/output.md). `afterKitGrace` is true when the line is
 * asked about again after the kit's grace.
 */
export function decideFatalLine(situation: FatalLineSituation, afterKitGrace: boolean): FatalLineDecision {
  if (situation.stopRequested || situation.fatalErrorReported) return { action: 'ignore' };
  if (situation.kitAttached && !afterKitGrace) return { action: 'await_kit_report' };
  return { action: 'restart_for_line' };
}
