import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

/** The prefs file: what may change while podvisor runs (the Darwin Streaming Server's auto_restart, docs/origins.md). */
export interface Prefs {
  readonly autoRestart: boolean | undefined;
}

export type PrefsResult = { readonly ok: true; readonly prefs: Prefs } | { readonly ok: false; readonly message: string };

const KNOWN_KEYS = new Set(['autoRestart', 'auto_restart']);

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
    return { ok: false, message: `prefs file ${path} has unknown keys ${unknown.join(', ')}; accepted: autoRestart (or auto_restart)` };
  }
  const value = record['autoRestart'] ?? record['auto_restart'];
  if (value !== undefined && typeof value !== 'boolean') {
    return { ok: false, message: `prefs file ${path}: autoRestart=${JSON.stringify(value)} is not valid; accepted: true | false` };
  }
  return { ok: true, prefs: { autoRestart: value } };
}

/** Reads and parses the prefs file; every failure (missing, a directory, unreadable) is a message. */
export async function readPrefs(path: string): Promise<PrefsResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? String(error)})`;
    return { ok: false, message: `prefs file ${path} ${why}` };
  }
  return parsePrefs(text, path);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
