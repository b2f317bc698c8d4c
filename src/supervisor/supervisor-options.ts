import type { Prefs, PrefsResult } from '../config/prefs.ts';
import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { Settings } from '../config/settings.ts';
import type { ServerOutputFactory } from '../output/server-output.ts';
import type { Terminal } from '../process/terminal.ts';
import type { Supervision } from './supervision.ts';

/** What the supervisor is started with (the CLI builds it, docs/architecture.md). */
export interface SupervisorOptions {
  readonly settings: Settings;
  /** The server's command (never empty: the CLI puts the reference server here when none is given). */
  readonly command: readonly string[];
  readonly readiness: ReadinessCheck;
  readonly supervision: Supervision;
  readonly output: ServerOutputFactory;
  /** podvisor's terminal, when its stdin is one (docs/supervision.md, "On a terminal"). */
  readonly terminal?: Terminal | undefined;
  readonly environment: NodeJS.ProcessEnv;
  /** Reads the prefs file; undefined when there is none. */
  readonly readPrefs: (() => Promise<PrefsResult>) | undefined;
  readonly initialPrefs: Prefs;
  /** pids libuv waits for itself; the orphan reaper must never take them. */
  readonly ownChildren: Set<number>;
  readonly random?: () => number;
  readonly now?: () => number;
}
