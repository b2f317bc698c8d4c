import { SETTINGS, type SettingKey } from '../config/settings.ts';

export interface ParsedArguments {
  /** Flag values by environment variable name, so they override the environment one for one. */
  readonly flagValues: Readonly<Record<string, string>>;
  /** The server's command; empty for the reference server. */
  readonly command: readonly string[];
  readonly help: boolean;
  readonly version: boolean;
  readonly errors: readonly string[];
}

const FLAG_TO_ENV: ReadonlyMap<string, string> = new Map(
  (Object.keys(SETTINGS) as SettingKey[]).map((key) => [SETTINGS[key].flag, SETTINGS[key].env]),
);

/**
 * `podvisor [flags] [-- COMMAND [ARGS...]]`. Flags take a value (`--drain-seconds 5` or `--drain-seconds=5`);
 * the first word that is not a flag also starts the command, as with tini.
 */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  const flagValues: Record<string, string> = {};
  const errors: string[] = [];
  let help = false;
  let version = false;
  let index = 0;
  while (index < argv.length) {
    const word = argv[index] as string;
    if (word === '--') {
      index += 1;
      break;
    }
    if (!word.startsWith('-')) break;
    index += 1;
    if (word === '--help' || word === '-h') {
      help = true;
      continue;
    }
    if (word === '--version' || word === '-v') {
      version = true;
      continue;
    }
    const equals = word.indexOf('=');
    const flag = equals === -1 ? word : word.slice(0, equals);
    const envName = FLAG_TO_ENV.get(flag);
    if (envName === undefined) {
      errors.push(`unknown flag ${JSON.stringify(flag)}: see podvisor --help for the flags`);
      if (equals === -1 && index < argv.length && !(argv[index] as string).startsWith('-')) index += 1;
      continue;
    }
    if (equals !== -1) {
      flagValues[envName] = word.slice(equals + 1);
    } else if (index < argv.length) {
      flagValues[envName] = argv[index] as string;
      index += 1;
    } else {
      errors.push(`flag ${flag} needs a value (${envName})`);
    }
  }
  return { flagValues, command: argv.slice(index), help, version, errors };
}
