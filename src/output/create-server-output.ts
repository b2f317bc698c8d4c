import type { DestinationStream } from 'pino';
import type { Settings } from '../config/settings.ts';
import { inheritOutput, type ServerOutputFactory } from './server-output.ts';

export interface OutputSetup {
  readonly factory: ServerOutputFactory;
  /** Where podvisor's own log lines go; undefined = straight to fd 2. */
  readonly logDestination: DestinationStream | undefined;
}

/** Chooses how the server's output reaches podvisor's, from the error-log rule. */
export function createServerOutput(_settings: Settings): OutputSetup {
  return { factory: inheritOutput, logDestination: undefined };
}
