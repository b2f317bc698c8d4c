/**
 * What podvisor and the terminal launcher (terminal-launcher.ts) agree on. The launcher is the server's first
 * instructions when the server is to have podvisor's terminal (docs/supervision.md, "On a terminal").
 */

/**
 * The launcher's descriptor for telling podvisor how far it got: LAUNCH_STARTED once the server has its group and
 * the terminal, then, if the command could not be run, one line "call ERRNO" (`execvp ENOENT`). The launcher marks
 * it close-on-exec, so podvisor reads its end to EOF once the command runs (or the launcher ended).
 */
export const LAUNCH_STATUS_FD = 11;
export const LAUNCH_STARTED = 'exec';

/**
 * The launcher is a Node program: the server's NODE_OPTIONS (`--inspect`, `--require ./tracing.js`) must not
 * apply to it. They travel under this name instead, and the launcher puts them back before the exec.
 */
export const SAVED_NODE_OPTIONS_VARIABLE = 'PODVISOR_SERVER_NODE_OPTIONS';

/** The launcher's environment: the server's, with NODE_OPTIONS moved out of Node's way. Pure. */
export function launcherEnvironment(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: nodeOptions, [SAVED_NODE_OPTIONS_VARIABLE]: _stale, ...rest } = environment;
  return nodeOptions === undefined ? rest : { ...rest, [SAVED_NODE_OPTIONS_VARIABLE]: nodeOptions };
}

export type LaunchOutcome =
  /**
   * `commandRan`: the launcher got as far as the command's exec; false when it ended before (a Ctrl-C in the few
   * milliseconds while it was still in podvisor's process group): then the command never had the terminal.
   */
  | { readonly ok: true; readonly commandRan: boolean }
  /** Statuses as a shell's: 127 when the command was not found, 126 when it could not be executed. */
  | { readonly ok: false; readonly status: 126 | 127; readonly code: string; readonly call: string };

/** What the launcher's status descriptor said by its end: how far it got, or why the command did not run. Pure. */
export function launchOutcome(statusText: string): LaunchOutcome {
  const line = statusText.trim().split('\n').at(-1) ?? '';
  if (line === '') return { ok: true, commandRan: false };
  if (line === LAUNCH_STARTED) return { ok: true, commandRan: true };
  const [call = 'launcher', code = 'EUNKNOWN'] = line.split(' ', 2);
  return { ok: false, status: call === 'execvp' && code === 'ENOENT' ? 127 : 126, code, call };
}
