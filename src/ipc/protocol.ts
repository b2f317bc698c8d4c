import { isServerState, type ServerState } from './server-states.ts';

/**
 * Messages a server built on the kit sends podvisor over Node's IPC channel (process.send). Every message
 * carries `podvisor: 1` so that other IPC traffic of the server is ignored.
 */
export type KitMessage =
  /** First message after the kit loads: the kit now owns the server's state. */
  | { readonly podvisor: 1; readonly type: 'hello'; readonly state: ServerState; readonly pid: number }
  | { readonly podvisor: 1; readonly type: 'state'; readonly state: ServerState }
  | { readonly podvisor: 1; readonly type: 'sessions'; readonly count: number }
  /** A fatal error was logged (logError at fatal verbosity, or a pino line at the threshold). */
  | { readonly podvisor: 1; readonly type: 'fatal'; readonly message: string };

export const PROTOCOL_VERSION = 1;

/** Returns the message when `value` is a well-formed kit message, else undefined. Pure. */
export function asKitMessage(value: unknown): KitMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message['podvisor'] !== PROTOCOL_VERSION) return undefined;
  switch (message['type']) {
    case 'hello':
      return isServerState(message['state']) && typeof message['pid'] === 'number' ? (message as KitMessage) : undefined;
    case 'state':
      return isServerState(message['state']) ? (message as KitMessage) : undefined;
    case 'sessions':
      return Number.isInteger(message['count']) && (message['count'] as number) >= 0 ? (message as KitMessage) : undefined;
    case 'fatal':
      return typeof message['message'] === 'string' ? (message as KitMessage) : undefined;
    default:
      return undefined;
  }
}
