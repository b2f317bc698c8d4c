import { existsSync } from 'node:fs';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { koffiModulePath, libc } from '../pid1/libc.ts';
import { decideHandover, type Handover } from './terminal-handover.ts';
import { launcherEnvironment } from './terminal-launch.ts';

const STDIN = 0;

/**
 * Where the terminal launcher is: dist/terminal-launcher.cjs beside the bundle's entry (this module is in
 * dist/chunks/), or its source beside this file when podvisor runs from src/.
 */
function launcherPath(): string {
  const candidates = ['../terminal-launcher.cjs', './terminal-launcher.cjs', './terminal-launcher.ts'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((path) => existsSync(path)) ?? (candidates[0] as string);
}

/**
 * podvisor's terminal, when its stdin is one (docs/supervision.md, "On a terminal"): each server gets it as it
 * starts (through the terminal launcher) and podvisor takes it back when the server ends, with the settings it
 * had when podvisor started (a shell killed at its prompt leaves no echo behind).
 */
export class Terminal {
  readonly #settings: Uint8Array | undefined;
  #given = false;

  /** The terminal at podvisor's stdin; undefined when stdin is none (a pod without `tty: true`): then nothing here runs. */
  static atStdin(): Terminal | undefined {
    return isatty(STDIN) ? new Terminal() : undefined;
  }

  private constructor() {
    const library = libc();
    // podvisor writes its log lines, and takes the terminal back, while a server's group is the foreground. With
    // SIGTTOU blocked the kernel lets it do both, where it would otherwise stop podvisor (on `stty tostop`, and
    // always for tcsetpgrp). libuv unblocks every signal in the children it spawns.
    library.blockSignal('SIGTTOU');
    this.#settings = library.terminalSettings(STDIN);
    process.once('exit', () => this.takeBack());
  }

  /** Whether the next server gets the terminal: asked of decideHandover with what the kernel says now. */
  handover(): Handover {
    const library = libc();
    return decideHandover({ stdinIsTerminal: true, foregroundGroup: library.foregroundGroup(STDIN), ownGroup: library.processGroup() });
  }

  /** How to start `command` so that it gets the terminal: through the launcher, with this environment. */
  launch(command: readonly string[], environment: NodeJS.ProcessEnv): { readonly command: readonly string[]; readonly environment: NodeJS.ProcessEnv } {
    this.#given = true;
    return { command: [process.execPath, launcherPath(), koffiModulePath(), ...command], environment: launcherEnvironment(environment) };
  }

  /** The server's group (its leader's pid) is the terminal's foreground again: it had it, was stopped, and continues. */
  giveTo(group: number): void {
    this.#given = true;
    libc().setForegroundGroup(STDIN, group);
  }

  /**
   * The server that had the terminal ended, or was stopped (Ctrl-Z): podvisor's group is the foreground again, so
   * that the keys typed next reach podvisor (Ctrl-C restarts the server); the terminal gets its first settings back.
   */
  takeBack(): void {
    if (!this.#given) return;
    this.#given = false;
    const library = libc();
    library.setForegroundGroup(STDIN, library.processGroup());
    if (this.#settings !== undefined) library.applyTerminalSettings(STDIN, this.#settings);
  }
}
