import { readFileSync } from 'node:fs';
import { readSetting } from '../../config/load-settings.ts';
import { readHead } from '../../files/safe-file.ts';

/**
 * The arguments a supervising podvisor was started with (after its script), or undefined when `argv` (a process's
 * /proc/PID/cmdline) is not one: podvisor is its bundle's entry, dist/podvisor.cjs (or dist/podvisor.js, which loads
 * it), run by node (bin/podvisor execs `node [node options] ROOT/dist/podvisor.cjs ARGS`); `podvisor ctl` is the same
 * program but supervises nothing.
 * Pure.
 */
export function podvisorArguments(argv: readonly string[]): readonly string[] | undefined {
  const [program, ...rest] = argv;
  if (program === undefined || !/^node(js)?$/.test(program.slice(program.lastIndexOf('/') + 1))) return undefined;
  const scriptIndex = rest.findIndex((word) => !word.startsWith('-'));
  const script = rest[scriptIndex];
  if (script === undefined || !/(^|\/)dist\/podvisor\.c?js$/.test(script)) return undefined;
  const argumentsAfter = rest.slice(scriptIndex + 1);
  return argumentsAfter[0] === 'ctl' ? undefined : argumentsAfter;
}

/** A command line as messages show it: its words, at most 120 characters. Pure. */
export function shownCommandLine(argv: readonly string[]): string {
  const text = argv.join(' ');
  return JSON.stringify(text.length <= 120 ? text : `${text.slice(0, 119)}…`);
}

/** What ctl learned about the processes it might talk to (read from /proc and the pid file). */
export interface PodvisorFacts {
  /** ctl's own pid (a ctl that is PID 1 itself never talks to itself). */
  readonly ownPid: number;
  /** PID 1's command line; undefined when it cannot be read. */
  readonly pid1: readonly string[] | undefined;
  /** PODVISOR_PID_FILE and what it holds. */
  readonly pidFile:
    | { readonly kind: 'unset' }
    | { readonly kind: 'unreadable'; readonly path: string; readonly why: string }
    | { readonly kind: 'read'; readonly path: string; readonly firstLine: string; readonly commandLine: readonly string[] | undefined };
}

export type FoundPodvisor =
  | { readonly ok: true; readonly pid: number; readonly how: 'pid_1' | 'pid_file'; readonly pidFile?: string; readonly arguments: readonly string[] }
  | { readonly ok: false; readonly message: string };

/** Which process is the podvisor to talk to: PID 1 if it is podvisor, else the pid file's (if that is podvisor). Pure. */
export function choosePodvisor(facts: PodvisorFacts): FoundPodvisor {
  const pid1Arguments = facts.ownPid === 1 || facts.pid1 === undefined ? undefined : podvisorArguments(facts.pid1);
  if (pid1Arguments !== undefined) return { ok: true, pid: 1, how: 'pid_1', arguments: pid1Arguments };
  const notPid1 = facts.ownPid === 1 ? 'this is PID 1 itself' : facts.pid1 === undefined ? 'PID 1 cannot be seen' : `PID 1 is not podvisor (it runs ${shownCommandLine(facts.pid1)})`;
  const { pidFile } = facts;
  const prefix = `no podvisor to talk to: ${notPid1}, and`;
  switch (pidFile.kind) {
    case 'unset':
      return { ok: false, message: `${prefix} PODVISOR_PID_FILE is not set (podvisor ctl finds podvisor as PID 1 of the container, else by its pid file)` };
    case 'unreadable':
      return { ok: false, message: `${prefix} PODVISOR_PID_FILE=${JSON.stringify(pidFile.path)} ${pidFile.why} (podvisor writes it while its server runs)` };
    case 'read': {
      const named = `PODVISOR_PID_FILE=${JSON.stringify(pidFile.path)}`;
      if (!/^\d{1,10}$/.test(pidFile.firstLine) || Number(pidFile.firstLine) === 0) {
        return { ok: false, message: `${prefix} the first line of ${named} is not a process id (${JSON.stringify(pidFile.firstLine.slice(0, 40))})` };
      }
      const pid = Number(pidFile.firstLine);
      if (pidFile.commandLine === undefined) return { ok: false, message: `${prefix} ${named} names pid ${pid}, which is not running (a pid file left behind)` };
      const found = pid === facts.ownPid ? undefined : podvisorArguments(pidFile.commandLine);
      if (found === undefined) return { ok: false, message: `${prefix} ${named} names pid ${pid}, which is not podvisor (it runs ${shownCommandLine(pidFile.commandLine)})` };
      return { ok: true, pid, how: 'pid_file', pidFile: pidFile.path, arguments: found };
    }
  }
}

/** A process's command line from /proc, or undefined when it does not exist (or /proc hides it). */
export function readCommandLine(pid: number): readonly string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // A zombie (or a kernel thread) has an empty command line: nothing to talk to.
    if (text === '') return undefined;
    return text.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** A process's environment from /proc, or undefined when it cannot be read (another user's process). */
export function readEnvironment(pid: number): NodeJS.ProcessEnv | undefined {
  try {
    const environment: NodeJS.ProcessEnv = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const equals = entry.indexOf('=');
      if (equals > 0) environment[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
    return environment;
  } catch {
    return undefined;
  }
}

/** Gathers the facts from /proc and the pid file (read safely: a regular file, no link, never waiting) and decides. */
export function findPodvisor(environment: NodeJS.ProcessEnv): FoundPodvisor {
  const pidFileSetting = readSetting('pidFile', environment, {});
  const path = pidFileSetting.ok ? pidFileSetting.value : undefined;
  let pidFile: PodvisorFacts['pidFile'] = { kind: 'unset' };
  if (path !== undefined) {
    try {
      const firstLine = readHead(path, 64).split('\n', 1)[0] ?? '';
      pidFile = { kind: 'read', path, firstLine, commandLine: /^\d{1,10}$/.test(firstLine) ? readCommandLine(Number(firstLine)) : undefined };
    } catch (error) {
      pidFile = { kind: 'unreadable', path, why: error instanceof Error ? error.message : String(error) };
    }
  }
  return choosePodvisor({ ownPid: process.pid, pid1: readCommandLine(1), pidFile });
}

