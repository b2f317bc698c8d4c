import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * bin/podvisor, or the snapshot of it that `npm run bench` takes right after building (PODVISOR_BENCH_BIN), so
 * that a rebuild of dist/ in the same checkout during the run cannot pull the bundle from under a harness.
 */
export const PODVISOR = process.env['PODVISOR_BENCH_BIN'] ?? join(ROOT, 'bin', 'podvisor');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const PM2_RUNTIME = join(ROOT, 'node_modules', '.bin', 'pm2-runtime');
/** Node 24, for fixtures written in JavaScript. */
export const NODE = process.execPath;

/** Every supervisor compared; `direct` is the server run without any supervisor. */
export const ALL_SUBJECTS = ['podvisor', 'tini', 'dumb-init', 'supervisord', 's6-supervise', 'runsv', 'pm2-runtime'] as const;
export type Subject = (typeof ALL_SUBJECTS)[number];
/**
 * The supervisors this run measures: all of them, or those named in PODVISOR_BENCH_SUBJECTS (comma-separated),
 * to re-measure one figure quickly: `PODVISOR_BENCH_SUBJECTS=podvisor node bench/startup.bench.ts`.
 */
export const SUBJECTS: readonly Subject[] = chosenSubjects(process.env['PODVISOR_BENCH_SUBJECTS']);

function chosenSubjects(list: string | undefined): readonly Subject[] {
  if (list === undefined || list.trim() === '') return ALL_SUBJECTS;
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(ALL_SUBJECTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`PODVISOR_BENCH_SUBJECTS: unknown ${unknown.join(', ')}; known: ${ALL_SUBJECTS.join(', ')}`);
  return ALL_SUBJECTS.filter((subject) => names.includes(subject));
}

/** What a harness asks of a supervisor, where the supervisor can be configured so. */
export interface LaunchOptions {
  /** Restart a server that exited (the anchors without restarts ignore it). */
  readonly restart?: boolean;
  /** Delay before a restart, for those that have one (podvisor, pm2-runtime). */
  readonly restartDelayMs?: number;
  /** From the stop signal to SIGKILL of a server that ignores it (podvisor, supervisord, s6, pm2-runtime). */
  readonly killAfterMs?: number;
  /** Extra environment for podvisor (e.g. a PODVISOR_HTTP_PORT). */
  readonly podvisorEnv?: Readonly<Record<string, string>>;
  /** Runs the whole invocation as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`), as in a container. */
  readonly asPid1?: boolean;
  /** Extra environment for the whole invocation, whatever the subject. */
  readonly env?: Readonly<Record<string, string>>;
  /** Runs the invocation on a new terminal, its controlling terminal (test/helpers/pty-relay.py), as `docker run -it` does. */
  readonly onTerminal?: boolean;
}

/** The pseudo-terminal relay of the tests: `python3 pty-relay.py ROWS COLUMNS COMMAND…`. */
export const PTY_RELAY = join(ROOT, 'test', 'helpers', 'pty-relay.py');

export interface Launched {
  readonly subject: Subject | 'direct';
  readonly child: ChildProcess;
  /** The supervisor's pid (the pid signals go to). */
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Ends the supervisor and everything under it, whatever state it is in. */
  stop(): Promise<void>;
  /** The supervisor's process tree now (ps), for the message of a trial that failed. */
  describe(): string;
}

/** Wall clock in nanoseconds as a float of milliseconds (comparable with `date +%s%N`, to the µs). */
export function realtimeMs(): number {
  return performance.timeOrigin + performance.now();
}

function sh(quoted: readonly string[]): string {
  return quoted.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
}

/** Every descendant of `pid` (children, grandchildren, …) now. */
export function descendants(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** The argv that runs `command` under `subject`, plus the temp dir to remove afterwards. */
function argvFor(subject: Subject | 'direct', command: readonly string[], options: LaunchOptions, dir: string): { argv: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const restart = options.restart ?? true;
  switch (subject) {
    case 'direct':
      return { argv: [...command], env };
    case 'podvisor': {
      const drainMs = options.killAfterMs ?? 5000;
      Object.assign(env, {
        PODVISOR_HTTP_PORT: '0',
        PODVISOR_KUBERNETES: 'off',
        PODVISOR_LOG_LEVEL: 'info',
        PODVISOR_RESTART_POLICY: restart ? 'always' : 'never',
        PODVISOR_RESTART_DELAY_MS: String(options.restartDelayMs ?? 0),
        PODVISOR_RESTART_BACKOFF_MAX_MS: String(options.restartDelayMs ?? 0),
        PODVISOR_STABLE_AFTER_MS: '0',
        PODVISOR_START_LIMIT_BURST: '0',
        // The kill comes at drain + grace: put all of it in the drain, none in the grace.
        PODVISOR_DRAIN_SECONDS: String(drainMs / 1000),
        PODVISOR_KILL_GRACE_MS: '0',
        ...options.podvisorEnv,
      });
      return { argv: [PODVISOR, '--', ...command], env };
    }
    case 'tini':
      // -s: register as a child subreaper (it is not PID 1 here), as in a container it would reap.
      return { argv: ['tini', '-s', '--', ...command], env };
    case 'dumb-init':
      return { argv: ['dumb-init', ...command], env };
    case 'supervisord': {
      const config = join(dir, 'supervisord.conf');
      writeFileSync(
        config,
        [
          '[supervisord]',
          'nodaemon=true',
          `logfile=${join(dir, 'supervisord.log')}`,
          `pidfile=${join(dir, 'supervisord.pid')}`,
          `childlogdir=${dir}`,
          '',
          '[program:server]',
          `command=${sh(command)}`,
          `autorestart=${restart ? 'true' : 'false'}`,
          'startsecs=0',
          'startretries=1000000',
          `stopwaitsecs=${Math.max(1, Math.round((options.killAfterMs ?? 10000) / 1000))}`,
          `stdout_logfile=${join(dir, 'server.log')}`,
          'redirect_stderr=true',
          '',
        ].join('\n'),
      );
      return { argv: ['supervisord', '-n', '-c', config], env };
    }
    case 's6-supervise':
    case 'runsv': {
      const service = join(dir, 'service');
      execFileSync('mkdir', ['-p', service]);
      writeFileSync(join(service, 'run'), `#!/bin/sh\nexec ${sh(command)}\n`);
      chmodSync(join(service, 'run'), 0o755);
      if (subject === 's6-supervise' && options.killAfterMs !== undefined) writeFileSync(join(service, 'timeout-kill'), `${options.killAfterMs}\n`);
      return { argv: [subject, service], env };
    }
    case 'pm2-runtime': {
      env['PM2_HOME'] = join(dir, 'pm2');
      const [script, ...args] = command as [string, ...string[]];
      // pm2-runtime's command line lacks these options; its ecosystem file has them.
      const app = {
        name: 'server',
        script,
        args,
        interpreter: 'none',
        autorestart: restart,
        restart_delay: options.restartDelayMs ?? 0,
        max_restarts: 1000000,
        kill_timeout: options.killAfterMs ?? 1600,
      };
      const ecosystem = join(dir, 'ecosystem.config.json');
      writeFileSync(ecosystem, JSON.stringify({ apps: [app] }));
      return { argv: [PM2_RUNTIME, 'start', ecosystem], env };
    }
  }
}

/** Starts `command` under `subject` (its own process group, output discarded unless `pipeOutput`). */
export function launch(subject: Subject | 'direct', command: readonly string[], options: LaunchOptions = {}): Launched {
  const dir = mkdtempSync(join(tmpdir(), `bench-${subject}-`));
  const invocation = argvFor(subject, command, options, dir);
  const env = { ...invocation.env, ...options.env };
  const onTerminal = options.onTerminal === true ? ['python3', PTY_RELAY, '24', '80', ...invocation.argv] : invocation.argv;
  const argv = options.asPid1 === true ? ['unshare', '--pid', '--fork', '--mount-proc', ...onTerminal] : onTerminal;
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, { stdio: 'ignore', env, detached: true });
  const pid = child.pid as number;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: realtimeMs() }));
    child.once('error', () => resolve({ code: null, signal: null, at: realtimeMs() }));
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const alive = child.exitCode === null && child.signalCode === null;
      const everyone = [...descendants(pid)];
      if (alive) {
        // Ask politely first, as an orchestrator would, then make sure.
        killQuietly(pid, 'SIGTERM');
        const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000))]);
        if (!gone) killQuietly(-pid, 'SIGKILL');
        killQuietly(pid, 'SIGKILL');
        await exited;
      }
      for (const other of everyone) killQuietly(other, 'SIGKILL');
      killQuietly(-pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  const describe = (): string => {
    try {
      return execFileSync('ps', ['-o', 'pid,ppid,pgid,stat,etimes,wchan:16,args', '-p', [pid, ...descendants(pid)].join(',')], { encoding: 'utf8' });
    } catch {
      return `(pid ${pid} gone)`;
    }
  };
  return { subject, child, pid, exited, stop, describe };
}

/** Runs `step`; when it fails, adds the supervisor's process tree to the error (progress shows it). */
export async function explained<T>(running: Launched, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why}\n${running.subject} process tree:\n${running.describe()}`, { cause: error });
  }
}

/** Resolves once `file` holds at least `lines` non-empty lines; rejects after `timeoutMs`. */
export async function waitForLines(file: string, lines: number, timeoutMs: number, pollMs = 1): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      const found = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
      if (found.length >= lines) return found;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${lines} line(s) in ${file}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh scratch directory for one harness run. */
export function scratch(name: string): { dir: string; file: (leaf: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  return { dir, file: (leaf) => join(dir, leaf), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** RSS of one process in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** SIGTERM to `child`, SIGKILL after 10 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}
