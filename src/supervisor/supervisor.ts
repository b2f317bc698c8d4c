import type { ChildProcess } from 'node:child_process';
import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { Prefs, PrefsResult } from '../config/prefs.ts';
import type { Settings } from '../config/settings.ts';
import { asKitMessage } from '../ipc/protocol.ts';
import type { ServerOutputFactory } from '../output/server-output.ts';
import { groupExists, signalGroup } from '../process/process-group.ts';
import { spawnServer, type SpawnedServer } from '../process/spawn-server.ts';
import { pollUntilReady } from '../readiness/probe-server.ts';
import { restartDelay, streakAfterRun } from './backoff.ts';
import type { OutputStream, RestartReason, ServerExit } from './events.ts';
import { describeExit, exitStatusOf } from './exit-status.ts';
import { decideAfterExit, type StopCause } from './restart-decision.ts';
import { startLimitReached } from './start-limit.ts';
import type { Supervision } from './supervision.ts';

export interface SupervisorOptions {
  readonly settings: Settings;
  /** The server's command (never empty: the CLI puts the reference server here when none is given). */
  readonly command: readonly string[];
  readonly readiness: ReadinessCheck;
  readonly supervision: Supervision;
  readonly output: ServerOutputFactory;
  readonly environment: NodeJS.ProcessEnv;
  /** Reads the prefs file; undefined when there is none. */
  readonly readPrefs: (() => Promise<PrefsResult>) | undefined;
  readonly initialPrefs: Prefs;
  /** pids libuv waits for itself; the orphan reaper must never take them. */
  readonly ownChildren: Set<number>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** How often the end of a lingering process group is checked for (it has no event of its own). */
const GROUP_POLL_MS = 20;
/**
 * How long a fatal line from a server built on the kit waits for the kit's own report of it: the kit sends it
 * over IPC before the line is written, but podvisor may read the output pipe first. The kit's report wins.
 */
export const KIT_FATAL_GRACE_MS = 250;
/** How long exit waits for the server's output pipes to end once its whole process group is gone. */
const OUTPUT_FLUSH_MS = 2000;

/** Signals forwarded to the server's process group unchanged (SPEC §4). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
/** Signals podvisor ignores (SPEC §4). */
export const IGNORED_SIGNALS: readonly NodeJS.Signals[] = ['SIGPIPE', 'SIGALRM'];

interface CurrentServer {
  readonly spawned: SpawnedServer;
  readonly startedAt: number;
  readonly output: Promise<void>;
  stopCause: StopCause | undefined;
  fatalErrorReported: boolean;
  /** The output line that made the error-log rule fire, for the restart's cause. */
  fatalLine: string | undefined;
  /** The server built on the kit said hello: it reports its own state and fatal errors. */
  kitAttached: boolean;
  killedAtDeadline: boolean;
  /** The signals podvisor sent the group to stop it. */
  readonly stopSignals: NodeJS.Signals[];
  deadline: NodeJS.Timeout | undefined;
  drainStartedAt: number | undefined;
  readonly readinessAbort: AbortController;
}

/**
 * The seed's parent process, as a PID 1: spawns the server, decides what follows its end with the pure
 * functions beside this file, and turns signals into state changes. Effects only; no decision lives here.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #supervision: Supervision;
  readonly #random: () => number;
  readonly #now: () => number;
  #prefs: Prefs;
  #server: CurrentServer | undefined;
  #streak = 0;
  readonly #restartTimes: number[] = [];
  /** Set by SIGTERM/SIGQUIT (or a second SIGINT): supervision ends once the server is gone. */
  #shutdownSignal: NodeJS.Signals | undefined;
  /** From a SIGINT until the server it restarts is running again: a second SIGINT then quits. */
  #sigintRestartUnderWay = false;
  /** Wakes a back-off wait early: 'now' restarts at once (SIGINT), 'stop' ends supervision (SIGTERM). */
  #wakeBackoff: ((why: 'now' | 'stop') => void) | undefined;
  #finished: ((status: number) => void) | undefined;
  #forcedExit: { status: number; why: string } | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#supervision = options.supervision;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#prefs = options.initialPrefs;
  }

  get autoRestart(): boolean {
    return this.#prefs.autoRestart ?? this.#options.settings.autoRestart;
  }

  /** Runs supervision to its end; resolves with podvisor's exit status. */
  run(): Promise<number> {
    const finished = new Promise<number>((resolve) => {
      this.#finished = resolve;
    });
    void this.#loop().then(
      (status) => this.#finished?.(status),
      (error: unknown) => {
        process.stderr.write(`podvisor: supervision failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        this.#finished?.(1);
      },
    );
    return finished;
  }

  // ---- signals (SPEC §4) ----

  /** SIGTERM, SIGQUIT: drain and exit. A repeat does not restart the wait. */
  requestShutdown(signal: NodeJS.Signals): void {
    if (this.#shutdownSignal !== undefined) return;
    this.#shutdownSignal = signal;
    const server = this.#server;
    if (server !== undefined) {
      this.#stopServer(server, { kind: 'shutdown', signal }, signal);
      this.#supervision.emit({ type: 'shutdown_started', signal });
    } else {
      this.#supervision.emit({ type: 'shutdown_started', signal });
      this.#supervision.apply({ type: 'supervision_ended' });
      this.#wakeBackoff?.('stop');
    }
  }

  /** SIGINT: restart in place; a second SIGINT while that restart is under way quits (Ctrl-C twice). */
  requestRestart(): void {
    if (this.#shutdownSignal !== undefined) return;
    if (this.#sigintRestartUnderWay) {
      this.requestShutdown('SIGTERM');
      return;
    }
    this.#sigintRestartUnderWay = true;
    const server = this.#server;
    if (server !== undefined && server.stopCause === undefined) {
      this.#stopServer(server, { kind: 'restart', reason: 'sigint' }, 'SIGINT');
    } else if (server === undefined) {
      this.#wakeBackoff?.('now');
    }
  }

  /** SIGHUP: re-read the prefs file, and let the server reload too. */
  reload(): void {
    void this.#reloadPrefs('sighup');
    this.forward('SIGHUP');
  }

  /** SIGUSR1, SIGUSR2, SIGWINCH (and SIGHUP): to the server's process group. */
  forward(signal: NodeJS.Signals): void {
    const server = this.#server;
    if (server === undefined) return;
    if (signalGroup(server.spawned.pid, signal)) {
      this.#supervision.emit({ type: 'signal_forwarded', signal, pid: server.spawned.pid });
    }
  }

  /** Ends supervision with `status` (e.g. the HTTP port cannot be bound): the server is stopped as on SIGTERM. */
  abort(status: number, why: string): void {
    this.#forcedExit ??= { status, why };
    this.requestShutdown('SIGTERM');
  }

  // ---- what the server's output and the kit say ----

  /** The error-log rule fired: fatal_error, a graceful stop, a restart with reason fatal_log. */
  onFatalLine(stream: OutputStream, line: string): void {
    const server = this.#server;
    if (server === undefined || server.stopCause !== undefined) return;
    if (server.kitAttached) {
      setTimeout(() => this.#fatalLine(server, stream, line), KIT_FATAL_GRACE_MS);
      return;
    }
    this.#fatalLine(server, stream, line);
  }

  #fatalLine(server: CurrentServer, stream: OutputStream, line: string): void {
    if (this.#server !== server || server.stopCause !== undefined || server.fatalErrorReported) return;
    if (!this.#supervision.apply({ type: 'fatal_logged' })) return;
    server.fatalLine = line;
    this.#supervision.emit({ type: 'fatal_reported', source: 'log', line, stream });
    this.#stopServer(server, { kind: 'restart', reason: 'fatal_log' }, 'SIGTERM', false);
  }

  onLine(stream: OutputStream, level: string, count = 1): void {
    this.#supervision.emit({ type: 'log_line', stream, level, count });
  }

  // ---- the loop ----

  async #loop(): Promise<number> {
    for (;;) {
      const spawned = await this.#spawn();
      if (typeof spawned === 'number') return this.#finish(spawned, 'the server could not be executed');
      const exit = await this.#supervise(spawned);
      const outcome = await this.#afterExit(exit);
      if (outcome !== 'restart') return outcome;
    }
  }

  async #spawn(): Promise<SpawnedServer | number> {
    const { command, settings } = this.#options;
    // A fatal line an ended server left in its pipe must not restart the server that followed it.
    const owner: { server?: CurrentServer } = {};
    const handlers = {
      onFatalLine: (stream: OutputStream, line: string) => {
        if (owner.server !== undefined && this.#server === owner.server) this.onFatalLine(stream, line);
      },
      onLine: (stream: OutputStream, level: string, count: number) => this.onLine(stream, level, count),
    };
    const output = this.#options.output(handlers);
    const result = await spawnServer({
      command,
      stdout: output.stdout,
      stderr: output.stderr,
      environment: this.#options.environment,
      onPid: (pid) => this.#options.ownChildren.add(pid),
    });
    if (!result.ok) {
      this.#supervision.emit({ type: 'server_spawn_failed', command, message: result.message, status: result.status });
      this.#supervision.apply({ type: 'supervision_ended' });
      return result.status;
    }
    const { child, pid } = result.server;
    const startedAt = this.#now();
    const server: CurrentServer = {
      spawned: result.server,
      startedAt,
      output: output.attach(result.server.stdout, result.server.stderr).catch(() => {}),
      stopCause: undefined,
      fatalErrorReported: false,
      fatalLine: undefined,
      kitAttached: false,
      killedAtDeadline: false,
      stopSignals: [],
      deadline: undefined,
      drainStartedAt: undefined,
      readinessAbort: new AbortController(),
    };
    this.#server = server;
    owner.server = server;
    this.#supervision.update({ pid, serverStartedAt: startedAt, backoffMs: 0, sessions: undefined });
    this.#supervision.apply({ type: 'spawned' });
    this.#supervision.emit({ type: 'server_spawned', pid, command });
    this.#listenToKit(server, child);
    this.#startReadiness(server, settings.readinessTimeoutMs);
    // A SIGTERM that arrived while the spawn was under way applies to this server now.
    if (this.#shutdownSignal !== undefined) this.#stopServer(server, { kind: 'shutdown', signal: this.#shutdownSignal }, this.#shutdownSignal);
    return result.server;
  }

  async #supervise(spawned: SpawnedServer): Promise<ServerExit> {
    const exit = await spawned.exited;
    this.#options.ownChildren.delete(spawned.pid);
    return exit;
  }

  async #afterExit(exit: ServerExit): Promise<number | 'restart'> {
    const server = this.#server as CurrentServer;
    server.readinessAbort.abort();
    const now = this.#now();
    const ranForMs = now - server.startedAt;
    this.#supervision.update({ lastExit: exit, sessions: undefined });
    this.#supervision.emit({ type: 'server_exited', pid: server.spawned.pid, exit, ranForMs });

    if (this.#options.readPrefs !== undefined) await this.#reloadPrefs('restart');
    const decision = decideAfterExit({
      exit,
      policy: this.#options.settings.restartPolicy,
      autoRestart: this.autoRestart,
      stopCause: this.#shutdownSignal !== undefined ? { kind: 'shutdown', signal: this.#shutdownSignal } : server.stopCause,
      fatalErrorReported: server.fatalErrorReported,
      killedAtDeadline: server.killedAtDeadline,
    });

    this.#server = undefined;
    if (decision.action === 'exit') {
      this.#supervision.update({ pid: undefined });
      this.#supervision.apply({ type: 'exited', restarting: false });
      await this.#waitForGroup(server);
      this.#endDrain(server);
      // Every byte the server wrote is passed on before podvisor exits, unless a descendant that left the
      // group holds the pipe open.
      await Promise.race([server.output, new Promise((resolve) => setTimeout(resolve, OUTPUT_FLUSH_MS).unref())]);
      return this.#finish(this.#forcedExit?.status ?? decision.status, this.#forcedExit?.why ?? `the server ended (${describeExit(exit)})`);
    }

    return this.#scheduleRestart(server, exit, decision.reason, ranForMs, now);
  }

  /** The delay before the next start counts from `exitedAt`, when podvisor saw the server end. */
  async #scheduleRestart(server: CurrentServer, exit: ServerExit, reason: RestartReason, ranForMs: number, exitedAt: number): Promise<number | 'restart'> {
    const { settings } = this.#options;
    const operatorAsked = reason === 'sigint';
    const now = this.#now();
    if (!operatorAsked && startLimitReached({ burst: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs }, this.#restartTimes, now)) {
      this.#supervision.update({ pid: undefined });
      this.#supervision.apply({ type: 'exited', restarting: false });
      this.#supervision.emit({ type: 'gave_up', restarts: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs, exitStatus: 1 });
      await this.#waitForGroup(server);
      this.#endDrain(server);
      return this.#finish(1, `gave up: more than ${settings.startLimitBurst} restarts within ${settings.startLimitIntervalMs} ms`);
    }
    let delayMs = 0;
    if (!operatorAsked) {
      this.#restartTimes.push(now);
      while (this.#restartTimes.length > settings.startLimitBurst + 1) this.#restartTimes.shift();
      const backoff = { restartDelayMs: settings.restartDelayMs, backoffMaxMs: settings.restartBackoffMaxMs, stableAfterMs: settings.stableAfterMs };
      const streak = streakAfterRun(backoff, this.#streak, ranForMs);
      delayMs = restartDelay(backoff, streak, this.#random);
      this.#streak = streak + 1;
    }
    let cause = server.stopCause?.kind === 'restart' && server.stopCause.reason !== 'sigint' ? `${server.stopCause.reason} (${describeExit(exit)})` : describeExit(exit);
    if (server.stopCause?.kind === 'restart' && server.stopCause.reason === 'fatal_log' && server.fatalLine !== undefined) cause += `: ${server.fatalLine}`;
    this.#supervision.update({ pid: undefined, restarts: this.#supervision.snapshot.restarts + 1, backoffMs: delayMs });
    this.#supervision.apply({ type: 'exited', restarting: true });
    this.#supervision.emit({ type: 'restart_scheduled', reason, delayMs, cause });
    // What the old server left in its group (workers holding its port, say) goes before the new one starts.
    await this.#waitForGroup(server);
    this.#endDrain(server);

    // Logging the exit and waiting for the group took part of the delay already.
    const woke = await this.#backoff(Math.max(0, delayMs - (this.#now() - exitedAt)));
    this.#supervision.update({ backoffMs: 0 });
    if (woke === 'stop') return this.#finish(this.#forcedExit?.status ?? 0, this.#forcedExit?.why ?? `shut down by ${this.#shutdownSignal ?? 'a signal'} during back-off`);
    if (this.#options.readPrefs !== undefined) await this.#reloadPrefs('restart');
    if (!this.autoRestart) return this.#finish(exitStatusOf(exit), 'autoRestart is off in the prefs file');
    this.#supervision.emit({ type: 'restart_began' });
    return 'restart';
  }

  #backoff(delayMs: number): Promise<'elapsed' | 'now' | 'stop'> {
    if (this.#shutdownSignal !== undefined) return Promise.resolve('stop');
    // No timer for no delay: a timer would add a turn of the event loop (≥ 1 ms) to every immediate restart.
    if (delayMs === 0) return Promise.resolve('elapsed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle('elapsed'), delayMs);
      const settle = (why: 'elapsed' | 'now' | 'stop'): void => {
        clearTimeout(timer);
        this.#wakeBackoff = undefined;
        resolve(why);
      };
      this.#wakeBackoff = settle;
    });
  }

  async #finish(status: number, why: string): Promise<number> {
    this.#supervision.apply({ type: 'supervision_ended' });
    this.#supervision.emit({ type: 'supervisor_exiting', status, why });
    return status;
  }

  // ---- stopping a server ----

  /**
   * Asks the server to stop with `signal` and arms the deadline: drain time plus kill grace, then SIGKILL of
   * the whole group. `changeState` is false when the caller already moved the state (fatal_error).
   */
  #stopServer(server: CurrentServer, cause: StopCause, signal: NodeJS.Signals, changeState = true): void {
    const first = server.stopCause === undefined;
    // A shutdown overrides a restart under way; nothing overrides a shutdown.
    if (first || cause.kind === 'shutdown') server.stopCause = cause;
    // The signal goes first, then the observers hear of it: they cannot delay it. Both happen in this turn of
    // the event loop, so readiness still fails before any probe can be answered.
    server.stopSignals.push(signal);
    const delivered = signalGroup(server.spawned.pid, signal);
    if (changeState) this.#supervision.apply({ type: 'stop_requested' });
    server.readinessAbort.abort();
    if (delivered) this.#supervision.emit({ type: 'signal_forwarded', signal, pid: server.spawned.pid });
    if (server.deadline === undefined) this.#armDeadline(server);
  }

  #armDeadline(server: CurrentServer): void {
    const { drainSeconds, killGraceMs } = this.#options.settings;
    server.drainStartedAt = this.#now();
    server.deadline = setTimeout(() => {
      if (!groupExists(server.spawned.pid)) return;
      server.killedAtDeadline = this.#options.ownChildren.has(server.spawned.pid);
      server.stopSignals.push('SIGKILL');
      signalGroup(server.spawned.pid, 'SIGKILL');
    }, drainSeconds * 1000 + killGraceMs);
  }

  /** Records how the drain ended. The deadline stays armed: it still kills what is left of an old group. */
  #endDrain(server: CurrentServer): void {
    if (server.drainStartedAt === undefined) return;
    const seconds = (this.#now() - server.drainStartedAt) / 1000;
    const killed = server.stopSignals.includes('SIGKILL');
    this.#supervision.emit({ type: 'drain_finished', outcome: killed ? 'killed' : 'drained', seconds });
    server.drainStartedAt = undefined;
  }

  /**
   * podvisor never exits before the server's process group is gone: what is left of it is asked to stop
   * and, at the deadline, killed.
   */
  async #waitForGroup(server: CurrentServer): Promise<void> {
    const groupId = server.spawned.pid;
    if (!groupExists(groupId)) return;
    if (server.deadline === undefined) {
      server.stopSignals.push('SIGTERM');
      signalGroup(groupId, 'SIGTERM');
      this.#armDeadline(server);
    }
    while (groupExists(groupId)) await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
    clearTimeout(server.deadline);
  }

  // ---- readiness and the kit ----

  #startReadiness(server: CurrentServer, timeoutMs: number): void {
    const check = this.#options.readiness;
    if (check.kind === 'auto') {
      this.#markReady(server);
      return;
    }
    if (timeoutMs > 0) {
      const timer = setTimeout(() => {
        if (this.#server !== server || this.#supervision.state !== 'starting' || server.stopCause !== undefined) return;
        this.#stopServer(server, { kind: 'restart', reason: 'readiness_timeout' }, 'SIGTERM');
      }, timeoutMs);
      server.readinessAbort.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }
    if (check.kind === 'kit') return;
    void pollUntilReady(check, server.readinessAbort.signal).then((ready) => {
      if (ready && this.#server === server) this.#markReady(server);
    });
  }

  #markReady(server: CurrentServer): void {
    if (this.#server !== server || server.stopCause !== undefined) return;
    if (this.#supervision.apply({ type: 'ready' })) this.#sigintRestartUnderWay = false;
  }

  #listenToKit(server: CurrentServer, child: ChildProcess): void {
    child.on('error', () => {
      // IPC send/kill failures after the server died; its 'exit' carries what matters.
    });
    child.on('message', (raw: unknown) => {
      const message = asKitMessage(raw);
      if (message === undefined || this.#server !== server) return;
      switch (message.type) {
        case 'hello':
          server.kitAttached = true;
          if (server.stopCause === undefined) this.#supervision.apply({ type: 'kit_attached', state: message.state });
          break;
        case 'state':
          if (server.stopCause !== undefined && message.state !== 'shutting_down' && message.state !== 'fatal_error') break;
          if (message.state === 'fatal_error') server.fatalErrorReported = true;
          this.#supervision.apply({ type: 'kit_reported', state: message.state });
          if (message.state === 'running') this.#sigintRestartUnderWay = false;
          // The kit is draining on its own (a fatal error, or a signal sent to it directly): hold it to the deadline.
          if ((message.state === 'shutting_down' || message.state === 'fatal_error') && server.deadline === undefined) this.#armDeadline(server);
          break;
        case 'sessions':
          this.#supervision.update({ sessions: message.count });
          this.#supervision.emit({ type: 'sessions_changed', count: message.count });
          break;
        case 'fatal':
          server.fatalErrorReported = true;
          this.#supervision.apply({ type: 'kit_reported', state: 'fatal_error' });
          this.#supervision.emit({ type: 'fatal_reported', source: 'kit', line: message.message });
          if (server.deadline === undefined) this.#armDeadline(server);
          break;
      }
    });
  }

  // ---- prefs ----

  async #reloadPrefs(trigger: 'sighup' | 'restart'): Promise<void> {
    const read = this.#options.readPrefs;
    if (read === undefined) {
      if (trigger === 'sighup') this.#supervision.emit({ type: 'prefs_reloaded', autoRestart: this.autoRestart, trigger });
      return;
    }
    const result = await read();
    if (!result.ok) {
      this.#supervision.emit({ type: 'prefs_rejected', message: `${result.message}; keeping the last good prefs (autoRestart=${this.autoRestart})` });
      return;
    }
    const before = this.autoRestart;
    this.#prefs = result.prefs;
    if (trigger === 'sighup' || before !== this.autoRestart) {
      this.#supervision.emit({ type: 'prefs_reloaded', autoRestart: this.autoRestart, trigger });
    }
  }
}
