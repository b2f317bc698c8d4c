import type { KitMessage } from '../ipc/protocol.ts';
import type { StateInput } from './transitions.ts';

/** What podvisor knows of the server when a kit message arrives. */
export interface KitReportSituation {
  /** podvisor has asked this server to stop (shutdown, SIGINT restart, fatal line, readiness timeout). */
  readonly stopRequested: boolean;
  /** The stop deadline of this server is armed already. */
  readonly deadlineArmed: boolean;
  /** The server reported a fatal error already: one fatal error per server is told (a burst is one error). */
  readonly fatalErrorReported: boolean;
}

/** What one kit message changes; every field absent means "nothing of that". */
export interface KitReportDecision {
  /** The server is built on the kit: its reports are the truth about its state and fatal errors. */
  readonly kitAttached?: true;
  readonly stateInput?: StateInput;
  /** The server declared a fatal error: it will drain and exit, and is restarted whatever its status. */
  readonly fatalErrorReported?: true;
  /** The fatal error's message, for the log and the Event. */
  readonly fatalMessage?: string;
  /** The kit drains on its own (a fatal error, or a signal sent to it directly): hold it to the deadline. */
  readonly armDeadline?: true;
  readonly sessions?: number;
  /** The server received this signal (the kit tells it before acting on it): perhaps a keystroke at its terminal. */
  readonly signalReceived?: NodeJS.Signals;
}

const IGNORED: KitReportDecision = {};

/**
 * What podvisor does with one message from a server built on the kit (docs/kit.md, "What the kit tells
 * podvisor"). Once podvisor has asked the server to stop, only the reports of its way out still count.
 */
export function decideKitReport(message: KitMessage, situation: KitReportSituation): KitReportDecision {
  const armDeadline = situation.deadlineArmed ? {} : { armDeadline: true as const };
  switch (message.type) {
    case 'hello':
      return situation.stopRequested ? { kitAttached: true } : { kitAttached: true, stateInput: { type: 'kit_attached', state: message.state } };
    case 'state': {
      const { state } = message;
      if (situation.stopRequested && state !== 'shutting_down' && state !== 'fatal_error') return IGNORED;
      const stateInput: StateInput = { type: 'kit_reported', state };
      if (state === 'fatal_error') return situation.fatalErrorReported ? IGNORED : { stateInput, fatalErrorReported: true, ...armDeadline };
      if (state === 'shutting_down') return { stateInput, ...armDeadline };
      return { stateInput };
    }
    case 'sessions':
      return { sessions: message.count };
    case 'fatal':
      if (situation.fatalErrorReported) return IGNORED;
      return { stateInput: { type: 'kit_reported', state: 'fatal_error' }, fatalErrorReported: true, fatalMessage: message.message, ...armDeadline };
    case 'signal':
      return { signalReceived: message.signal };
  }
}
