/**
 * podvisor/server: the Darwin Streaming Server's server lifecycle (docs/origins.md) for Node servers
 * supervised by podvisor (docs/kit.md).
 *
 *   import { createServerKit } from 'podvisor/server';
 *   const kit = createServerKit();
 *   await kit.run({ start: () => listen(), stop: () => close() });
 */
export { createServerKit, ServerKit, type ServerHandlers, type ServerKitOptions, type StateListener } from './server-kit.ts';
export { ERROR_VERBOSITIES, isErrorVerbosity, type ErrorLogEntry, type ErrorLogListener, type ErrorVerbosity } from './error-log.ts';
export { SETTABLE_STATES, type SettableState } from './lifecycle.ts';
export type { Session, SessionControl } from './session-registry.ts';
export type { PinoHookOptions, PinoHooks } from './pino-hooks.ts';
export { NO_CHANNEL, podvisorChannel, type PodvisorChannel } from './podvisor-channel.ts';
export { SERVER_STATES, SERVER_STATE_NUMBER as STATE_NUMBER, type ServerState } from '../ipc/server-states.ts';
export { asKitMessage, PROTOCOL_VERSION, type KitMessage } from '../ipc/protocol.ts';
