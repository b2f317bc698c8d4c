import { isServerState, type ServerState } from './server-states.ts';

/**
 * The channel between podvisor and a server built on the kit (docs/kit.md, "The channel to podvisor"): a Unix
 * socket podvisor gives every server at file descriptor CHANNEL_FD, named in its environment as
 * PODVISOR_CHANNEL_FD. The kit writes one JSON message per line; podvisor reads at most MAX_MESSAGE_BYTES a line
 * and drops anything that is not a well-formed kit message. Every message carries `podvisor: 1`.
 */
export type KitMessage =
  /** First message after the kit loads: the kit now owns the server's state. */
  | { readonly podvisor: 1; readonly type: 'hello'; readonly state: ServerState; readonly pid: number }
  | { readonly podvisor: 1; readonly type: 'state'; readonly state: ServerState }
  | { readonly podvisor: 1; readonly type: 'sessions'; readonly count: number }
  /** A fatal error was logged (logError at fatal verbosity, or a pino line at the threshold). */
  | { readonly podvisor: 1; readonly type: 'fatal'; readonly message: string }
  /**
   * The server received one of the signals the kit handles, before it acts on it: podvisor learns of a Ctrl-C or
   * Ctrl-\ typed at a terminal the server holds (the kernel sends those to the server's group, not to podvisor).
   */
  | { readonly podvisor: 1; readonly type: 'signal'; readonly signal: KitSignal };

/** The signals the kit handles (docs/kit.md), and the ones it reports. */
export const KIT_SIGNALS = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGHUP'] as const;
export type KitSignal = (typeof KIT_SIGNALS)[number];

function isKitSignal(value: unknown): value is KitSignal {
  return typeof value === 'string' && (KIT_SIGNALS as readonly string[]).includes(value);
}

export const PROTOCOL_VERSION = 1;

/** The server's file descriptor for the channel: above the 3–9 that shell scripts and socket activation use. */
export const CHANNEL_FD = 10;
/** The environment variable that tells the kit which descriptor the channel is on. */
export const CHANNEL_FD_VARIABLE = 'PODVISOR_CHANNEL_FD';
/** The longest line podvisor reads as a message, newline excluded; a longer line is dropped whole. */
export const MAX_MESSAGE_BYTES = 4096;
/** The longest fatal message the kit sends (it cuts longer ones); leaves room for the JSON around it. */
export const MAX_FATAL_MESSAGE_CHARACTERS = 1024;

/** Returns the message when `value` is a well-formed kit message, else undefined. Pure. */
export function asKitMessage(value: unknown): KitMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message['podvisor'] !== PROTOCOL_VERSION) return undefined;
  switch (message['type']) {
    case 'hello':
      return isServerState(message['state']) && Number.isSafeInteger(message['pid']) ? { podvisor: 1, type: 'hello', state: message['state'], pid: message['pid'] as number } : undefined;
    case 'state':
      return isServerState(message['state']) ? { podvisor: 1, type: 'state', state: message['state'] } : undefined;
    case 'sessions':
      return Number.isSafeInteger(message['count']) && (message['count'] as number) >= 0 ? { podvisor: 1, type: 'sessions', count: message['count'] as number } : undefined;
    case 'fatal':
      return typeof message['message'] === 'string' ? { podvisor: 1, type: 'fatal', message: message['message'] } : undefined;
    case 'signal':
      return isKitSignal(message['signal']) ? { podvisor: 1, type: 'signal', signal: message['signal'] } : undefined;
    default:
      return undefined;
  }
}

/** One line of the channel, decoded: a message, or why it is not one (for podvisor's warning). */
export type ParsedLine = { readonly ok: true; readonly message: KitMessage } | { readonly ok: false; readonly why: 'not JSON' | 'not a kit message' };

export function parseKitLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const message = asKitMessage(value);
  return message === undefined ? { ok: false, why: 'not a kit message' } : { ok: true, message };
}

/**
 * The line the kit writes for `message`: a fatal message is cut (on a character boundary, with "…") to at most
 * MAX_FATAL_MESSAGE_CHARACTERS, and further until the line fits in MAX_MESSAGE_BYTES.
 */
export function encodeKitMessage(message: KitMessage): string {
  if (message.type !== 'fatal') return `${JSON.stringify(message)}\n`;
  let characters = [...message.message];
  let line = JSON.stringify(message);
  for (let limit = MAX_FATAL_MESSAGE_CHARACTERS; characters.length > limit || Buffer.byteLength(line) > MAX_MESSAGE_BYTES; limit = Math.floor(limit / 2)) {
    characters = characters.slice(0, Math.max(0, limit - 1));
    line = JSON.stringify({ ...message, message: `${characters.join('')}…` });
  }
  return `${line}\n`;
}
