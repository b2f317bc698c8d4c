import { SETTINGS } from '../config/settings.ts';
import { FileRefused, replaceRegularFile } from '../files/safe-file.ts';

/** Where the termination message goes, and whether the operator named the path (else it is the default). */
export interface TerminationLogTarget {
  readonly path: string;
  /** Named by PODVISOR_TERMINATION_MESSAGE_PATH or its flag: created if missing, and every failure reported. */
  readonly explicit: boolean;
}

const SETTING = SETTINGS.terminationMessagePath;

/**
 * The termination message's file from the flag or the environment, read apart from the other settings so that bad
 * configuration is reported there too: unset, the default (/dev/termination-log, which the kubelet mounts in every
 * container) is used only when it exists and is writable; empty, none. Pure.
 */
export function terminationLogTarget(environment: NodeJS.ProcessEnv, flagValues: Readonly<Record<string, string>>): TerminationLogTarget | undefined {
  const given = flagValues[SETTING.env] ?? environment[SETTING.env];
  if (given === undefined) return SETTING.defaultValue === undefined ? undefined : { path: SETTING.defaultValue, explicit: false };
  return given === '' ? undefined : { path: given, explicit: true };
}

/** The default path is skipped without a word where it does not exist or cannot be written (outside Kubernetes). */
const SILENTLY_SKIPPED = new Set(['ENOENT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR']);

/**
 * Writes the termination message, synchronously (it is the last thing podvisor does, and nothing may be lost at
 * exit), as a regular file only: never through a symbolic link, never waiting on a FIFO (replaceRegularFile).
 * Returns a warning for people when it could not, or undefined.
 */
export function writeTerminationLog(target: TerminationLogTarget, message: string): string | undefined {
  try {
    replaceRegularFile(target.path, message, { create: target.explicit });
    return undefined;
  } catch (error) {
    if (!target.explicit && error instanceof FileRefused && error.code !== undefined && SILENTLY_SKIPPED.has(error.code)) return undefined;
    const why = error instanceof Error ? error.message : String(error);
    return `cannot write the termination message to ${target.path} (${SETTING.env}): it ${why}`;
  }
}
