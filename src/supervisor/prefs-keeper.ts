import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Prefs, PrefsResult } from '../config/prefs.ts';
import type { Supervision } from './supervision.ts';

/** Changes to the prefs file's directory within this long are read as one. */
export const PREFS_SETTLE_MS = 200;

/** Why the prefs file is read: before a restart, an operator's SIGHUP, or a change of the file. */
export type PrefsTrigger = 'restart' | 'sighup' | 'file_changed';

/**
 * The prefs file (the Darwin Streaming Server's auto_restart, docs/origins.md): read before every restart and on
 * SIGHUP, and again whenever the file changes, so that an edit takes effect with no signal at all (a ConfigMap
 * update is an atomic swap of a symlink in the file's directory, which is what is watched). A file that cannot be
 * read or parsed keeps the last good prefs.
 */
export class PrefsKeeper {
  readonly #read: (() => Promise<PrefsResult>) | undefined;
  readonly #supervision: Supervision;
  readonly #fallback: boolean;
  #prefs: Prefs;
  #watcher: FSWatcher | undefined;
  #settle: NodeJS.Timeout | undefined;
  /** The read under way, and the one asked for meanwhile (with every trigger that asked for it). */
  #reading: Promise<void> | undefined;
  #next: { readonly triggers: Set<PrefsTrigger>; readonly promise: Promise<void> } | undefined;

  /** `fallback`: PODVISOR_AUTO_RESTART, for when the file does not say. */
  constructor(read: (() => Promise<PrefsResult>) | undefined, initial: Prefs, fallback: boolean, supervision: Supervision) {
    this.#read = read;
    this.#prefs = initial;
    this.#fallback = fallback;
    this.#supervision = supervision;
  }

  get autoRestart(): boolean {
    return this.#prefs.autoRestart ?? this.#fallback;
  }

  get hasFile(): boolean {
    return this.#read !== undefined;
  }

  /**
   * Re-reads the file; tells the observers when an operator asked (SIGHUP) or autoRestart changed. One read at a
   * time: what is asked while a read is under way is one more read after it, for all who asked meanwhile (a flood
   * of SIGHUPs costs two reads at once, never one open file and one buffer each). Resolves once a read that began
   * after the call has ended.
   */
  reload(trigger: PrefsTrigger): Promise<void> {
    const read = this.#read;
    if (read === undefined) {
      if (trigger === 'sighup') this.#supervision.emit({ type: 'prefs_reloaded', autoRestart: this.autoRestart, trigger, withoutFile: true });
      return Promise.resolve();
    }
    if (this.#reading === undefined) return this.#readFor(read, new Set([trigger]));
    if (this.#next === undefined) {
      const triggers = new Set<PrefsTrigger>();
      const promise = this.#reading.then(() => {
        this.#next = undefined;
        return this.#readFor(read, triggers);
      });
      this.#next = { triggers, promise };
    }
    this.#next.triggers.add(trigger);
    return this.#next.promise;
  }

  #readFor(read: () => Promise<PrefsResult>, triggers: ReadonlySet<PrefsTrigger>): Promise<void> {
    const reading = this.#readOnce(read, triggers).finally(() => {
      if (this.#reading === reading) this.#reading = undefined;
    });
    this.#reading = reading;
    return reading;
  }

  async #readOnce(read: () => Promise<PrefsResult>, triggers: ReadonlySet<PrefsTrigger>): Promise<void> {
    let result: PrefsResult;
    try {
      result = await read();
    } catch (error) {
      result = { ok: false, message: `cannot read the prefs file: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (!result.ok) {
      this.#supervision.emit({ type: 'prefs_rejected', message: `${result.message}; keeping the last good prefs (autoRestart=${this.autoRestart})` });
      return;
    }
    const before = this.autoRestart;
    this.#prefs = result.prefs;
    const trigger = triggers.has('sighup') ? 'sighup' : (triggers.values().next().value as PrefsTrigger);
    if (trigger === 'sighup' || before !== this.autoRestart) this.#supervision.emit({ type: 'prefs_reloaded', autoRestart: this.autoRestart, trigger });
  }

  /** Watches the file's directory (not the file: a ConfigMap replaces it through a symlink). */
  watch(path: string): void {
    if (this.#read === undefined || this.#watcher !== undefined) return;
    try {
      this.#watcher = watch(dirname(path), { persistent: false }, (_, file) => {
        if (file !== null && !this.#concerns(file, path)) return;
        clearTimeout(this.#settle);
        this.#settle = setTimeout(() => void this.reload('file_changed'), PREFS_SETTLE_MS);
        this.#settle.unref();
      });
      this.#watcher.on('error', () => this.close());
    } catch {
      // No inotify here (or the directory is gone): the file is still read before every restart and on SIGHUP.
    }
  }

  close(): void {
    clearTimeout(this.#settle);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** The file itself, or the `..data` link and timestamped directories a ConfigMap volume swaps. */
  #concerns(file: string, path: string): boolean {
    return file === basename(path) || file.startsWith('..');
  }
}
