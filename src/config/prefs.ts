import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { describeFileError, NEVER_WAIT, notARegularFile } from '../files/safe-file.ts';

/**
 * The largest prefs file podvisor reads. Its one key fits in a few bytes; the cap keeps a file replaced by a
 * 1 GB one (or a symbolic link to /dev/zero) from costing memory.
 */
export const PREFS_MAX_BYTES = 4 * 1024;

/** The prefs file: what may change while podvisor runs (the Darwin Streaming Server's auto_restart, docs/origins.md). */
export interface Prefs {
  readonly autoRestart: boolean | undefined;
}

export type PrefsResult = { readonly ok: true; readonly prefs: Prefs } | { readonly ok: false; readonly message: string };

const KNOWN_KEYS = new Set(['autoRestart', 'auto_restart']);
/** How many unknown keys a warning names (a file of thousands would make a line of 76 KB). */
const MAX_KEYS_NAMED = 10;

/** Parses the prefs text (JSON is YAML, so one parser reads both). Pure. */
export function parsePrefs(text: string, path: string): PrefsResult {
  let document: unknown;
  try {
    document = text.trim() === '' ? {} : parseYaml(text);
  } catch (error) {
    return { ok: false, message: `prefs file ${path} is neither JSON nor YAML: ${firstLine((error as Error).message)}` };
  }
  if (document === null || document === undefined) document = {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, message: `prefs file ${path} must hold a mapping such as {"autoRestart": true}, not ${JSON.stringify(document)}` };
  }
  const record = document as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    const named = unknown.slice(0, MAX_KEYS_NAMED).join(', ') + (unknown.length > MAX_KEYS_NAMED ? ` and ${unknown.length - MAX_KEYS_NAMED} more` : '');
    return { ok: false, message: `prefs file ${path} has unknown keys ${named}; accepted: autoRestart (or auto_restart)` };
  }
  const value = record['autoRestart'] ?? record['auto_restart'];
  if (value !== undefined && typeof value !== 'boolean') {
    return { ok: false, message: `prefs file ${path}: autoRestart=${JSON.stringify(value)} is not valid; accepted: true | false` };
  }
  return { ok: true, prefs: { autoRestart: value } };
}

/**
 * Reads and parses the prefs file; every failure (missing, not a regular file, too large, unreadable) is a
 * message. The read can never block supervision: the file is opened without waiting (a FIFO with no writer
 * opens at once), its kind is checked on the open descriptor (so a symbolic link is judged by what it points
 * to, and a swap between check and read changes nothing), and at most PREFS_MAX_BYTES + 1 bytes are read.
 */
export async function readPrefs(path: string): Promise<PrefsResult> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | NEVER_WAIT);
  } catch (error) {
    return { ok: false, message: `prefs file ${path} ${describeFileError(error)}` };
  }
  try {
    const kind = notARegularFile(await file.stat());
    if (kind !== undefined) return { ok: false, message: `prefs file ${path} ${kind}` };
    const buffer = Buffer.alloc(PREFS_MAX_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > PREFS_MAX_BYTES) return { ok: false, message: `prefs file ${path} is larger than ${PREFS_MAX_BYTES} bytes (4 KiB), the most podvisor reads` };
    return parsePrefs(buffer.toString('utf8', 0, length), path);
  } catch (error) {
    return { ok: false, message: `prefs file ${path} ${describeFileError(error)}` };
  } finally {
    await file.close().catch(() => {});
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
