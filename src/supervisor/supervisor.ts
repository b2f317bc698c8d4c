import { setTimeout as sleep } from 'node:timers/promises';
import type { Prefs, PrefsResult } from '../config/prefs.ts';
import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { Settings } from '../config/settings.ts';
import type { KitMessage } from '../ipc/protocol.ts';
import type { OutputStream } from '../output/output-stream.ts';
import type { ServerOutputFactory } from '../output/server-output.ts';
import type { ServerExit } from '../process/server-exit.ts';
import { pollUntilReady } from '../readiness/probe-server.ts';
import { decideFatalLine, KIT_FATAL_GRACE_MS } from './fatal-line.ts';
import { decideKitReport } from './kit-report.ts';
import { readinessPlan, readinessTimedOut } from './readiness-plan.ts';
import { NO_RESTARTS, planAfterBackoff, planAfterExit, type RestartHistory, type StopCause } from './restart-plan.ts';
import { ServerProcess } from './server-process.ts';
import { decideSignal, type SignalAction, type SignalSituation } from './signal-decision.ts';
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

/**
 * podvisor as the parent that forks the server and waits (docs/origins.md): the loop spawn → await the exit →
 * ask the restart plan → act, and every other input (signals, the kit's reports, fatal lines, readiness) asked
 * of its decision table and acted on. Effects only: each decision lives in a pure module beside this file.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #supervision: Supervision;
  readonly #random: () => number;
  readonly #now: () => number;
  #prefs: Prefs;
  #history: RestartHistory = NO_RESTARTS;
  #server: ServerProcess | undefined;
  /** Set once by SIGTERM/SIGQUIT (or Ctrl-C twice): supervision ends once the server is gone. */
  #shutdownSignal: NodeJS.Signals | undefined;
  /** From a SIGINT until the server it restarts is running again: a second SIGINT then quits. */
  #sigintRestartUnderWay = false;
  /** Aborted to end a back-off wait early, with the reason 'start_now' or 'end'. */
  #backoff: AbortController | undefined;
  #forcedExit: { readonly status: number; readonly why: string } | undefined;

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

  /** Runs supervision to its end; resolves with podvisor's exit status (a failure of podvisor itself is 1). */
  async run(): Promise<number> {
    try {
      return await this.#loop();
    } catch (error) {
      process.stderr.write(`podvisor: supervision failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return 1;
    }
  }

  /** A signal podvisor received: acted on as the signal table says. */
  handleSignal(signal: NodeJS.Signals): void {
    for (const action of decideSignal(signal, this.#signalSituation())) this.#act(action);
  }

  /** Ends supervision with `status` (e.g. the HTTP port cannot be bound): the server is stopped as on SIGTERM. */
  abort(status: number, why: string): void {
    this.#forcedExit ??= { status, why };
    this.handleSignal('SIGTERM');
  }

  /** A line of the current server's output reached the error-log rule's threshold. */
  onFatalLine(stream: OutputStream, line: string): void {
    if (this.#server !== undefined) this.#fatalLine(this.#server, stream, line, false);
  }

  #signalSituation(): SignalSituation {
    const server = this.#server;
    return {
      shuttingDown: this.#shutdownSignal !== undefined,
      sigintRestartUnderWay: this.#sigintRestartUnderWay,
      server: server === undefined ? 'none' : server.facts.stopCause === undefined ? 'running' : 'asked_to_stop',
    };
  }

  #act(action: SignalAction): void {
    switch (action.kind) {
      case 'stop_server':
        if (this.#server !== undefined) this.#stopServer(this.#server, action.signal, action.cause);
        break;
      case 'begin_shutdown':
        this.#shutdownSignal = action.signal;
        this.#supervision.emit({ type: 'shutdown_started', signal: action.signal });
        break;
      case 'end_backoff':
        if (action.then === 'end') this.#supervision.apply({ type: 'supervision_ended' });
        this.#backoff?.abort(action.then);
        break;
      case 'mark_sigint_restart':
        this.#sigintRestartUnderWay = true;
        break;
      case 'reload_prefs':
        void this.#reloadPrefs('sighup');
        break;
      case 'forward':
        if (this.#server?.forward(action.signal) === true) this.#supervision.emit({ type: 'signal_forwarded', signal: action.signal, pid: this.#server.pid });
        break;
    }
  }

  // ---- the loop ----

  async #loop(): Promise<number> {
    for (;;) {
      // A shutdown asked for before the first server started (a SIGTERM in podvisor's first milliseconds): none starts.
      if (this.#shutdownSignal !== undefined) return this.#finish(this.#forcedExit?.status ?? 0, this.#forcedExit?.why ?? `shut down by ${this.#shutdownSignal} before the server started`);
      const server = await this.#start();
      if (typeof server === 'number') return this.#finish(server, 'the server could not be executed');
      const exit = await server.spawned.exited;
      this.#options.ownChildren.delete(server.pid);
      const next = await this.#afterExit(server, exit);
      if (next !== 'restart') return next;
    }
  }

  async #start(): Promise<ServerProcess | number> {
    const { command, settings } = this.#options;
    // A fatal line an ended server left in its pipe must not restart the server that followed it.
    const owner: { server?: ServerProcess } = {};
    const output = this.#options.output({
      onFatalLine: (stream, line) => {
        if (owner.server !== undefined) this.#fatalLine(owner.server, stream, line, false);
      },
      onLine: (stream, level, count) => this.#supervision.emit({ type: 'log_line', stream, level, count }),
    });
    const result = await ServerProcess.start({
      command,
      environment: this.#options.environment,
      output,
      deadline: settings,
      onPid: (pid) => this.#options.ownChildren.add(pid),
      isOwnChild: (pid) => this.#options.ownChildren.has(pid),
      now: this.#now,
    });
    if (!result.ok) {
      this.#supervision.emit({ type: 'server_spawn_failed', command, message: result.message, status: result.status });
      this.#supervision.apply({ type: 'supervision_ended' });
      return result.status;
    }
    const server = result.server;
    this.#server = server;
    owner.server = server;
    this.#supervision.update({ pid: server.pid, serverStartedAt: server.facts.startedAt, backoffMs: 0, sessions: undefined });
    this.#supervision.apply({ type: 'spawned' });
    this.#supervision.emit({ type: 'server_spawned', pid: server.pid, command });
    this.#listenToKit(server);
    this.#startReadiness(server);
    // A shutdown that began while the spawn was under way applies to this server now.
    if (this.#shutdownSignal !== undefined) this.#stopServer(server, this.#shutdownSignal, { kind: 'shutdown', signal: this.#shutdownSignal });
    return server;
  }

  async #afterExit(server: ServerProcess, exit: ServerExit): Promise<number | 'restart'> {
    server.readiness.abort();
    // The kit's last reports (a fatal error, the last session count) are read before the exit is judged.
    await server.channelRead();
    const exitedAt = this.#now();
    const ranForMs = exitedAt - server.facts.startedAt;
    this.#supervision.update({ lastExit: exit, sessions: undefined });
    this.#supervision.emit({ type: 'server_exited', pid: server.pid, exit, ranForMs });
    if (this.#options.readPrefs !== undefined) await this.#reloadPrefs('restart');
    const { settings } = this.#options;
    const { facts } = server;
    const plan = planAfterExit({
      facts: {
        exit,
        policy: settings.restartPolicy,
        autoRestart: this.autoRestart,
        stopCause: facts.stopCause,
        shutdownSignal: this.#shutdownSignal,
        fatalErrorReported: facts.fatalErrorReported,
        killedAtDeadline: server.deadline.killedServer,
      },
      fatalLine: facts.fatalLine,
      ranForMs,
      now: exitedAt,
      history: this.#history,
      settings: { restartDelayMs: settings.restartDelayMs, backoffMaxMs: settings.restartBackoffMaxMs, stableAfterMs: settings.stableAfterMs, startLimit: { burst: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs } },
      random: this.#random,
    });
    this.#server = undefined;

    if (plan.action !== 'restart') {
      this.#supervision.update({ pid: undefined });
      this.#supervision.apply({ type: 'exited', restarting: false });
      if (plan.action === 'give_up') {
        this.#supervision.emit({ type: 'gave_up', restarts: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs, exitStatus: plan.status });
      }
      await this.#groupGone(server);
      void server.spawned.channel?.close();
      if (plan.action === 'give_up') return this.#finish(plan.status, plan.why);
      await server.flushOutput();
      return this.#finish(this.#forcedExit?.status ?? plan.status, this.#forcedExit?.why ?? plan.why);
    }

    this.#history = plan.history;
    this.#supervision.update({ pid: undefined, restarts: this.#supervision.snapshot.restarts + 1, backoffMs: plan.delayMs });
    this.#supervision.apply({ type: 'exited', restarting: true });
    this.#supervision.emit({ type: 'restart_scheduled', reason: plan.reason, delayMs: plan.delayMs, cause: plan.cause });
    // What the old server left in its group (workers holding its port, say) goes before the new one starts.
    await this.#groupGone(server);
    void server.spawned.channel?.close();
    // Logging the exit and waiting for the group took part of the delay already.
    const woke = await this.#waitBackoff(Math.max(0, plan.delayMs - (this.#now() - exitedAt)));
    this.#supervision.update({ backoffMs: 0 });
    if (woke === 'end') return this.#finish(this.#forcedExit?.status ?? 0, this.#forcedExit?.why ?? `shut down by ${this.#shutdownSignal ?? 'a signal'} during back-off`);
    if (this.#options.readPrefs !== undefined) await this.#reloadPrefs('restart');
    const next = planAfterBackoff(this.autoRestart, exit);
    if (next.action === 'exit') return this.#finish(next.status, next.why);
    this.#supervision.emit({ type: 'restart_began' });
    return 'restart';
  }

  /** Resolves 'elapsed', or early with 'start_now' (SIGINT) or 'end' (shutdown). */
  async #waitBackoff(delayMs: number): Promise<'elapsed' | 'start_now' | 'end'> {
    if (this.#shutdownSignal !== undefined) return 'end';
    // No timer for no delay: a timer would add a turn of the event loop (≥ 1 ms) to every immediate restart.
    if (delayMs === 0) return 'elapsed';
    const backoff = new AbortController();
    this.#backoff = backoff;
    try {
      await sleep(delayMs, undefined, { signal: backoff.signal });
      return 'elapsed';
    } catch {
      return backoff.signal.reason === 'start_now' ? 'start_now' : 'end';
    } finally {
      this.#backoff = undefined;
    }
  }

  async #groupGone(server: ServerProcess): Promise<void> {
    await server.waitForGroup();
    const drain = server.deadline.takeDrainResult();
    if (drain !== undefined) this.#supervision.emit({ type: 'drain_finished', ...drain });
  }

  #finish(status: number, why: string): number {
    this.#supervision.apply({ type: 'supervision_ended' });
    this.#supervision.emit({ type: 'supervisor_exiting', status, why });
    return status;
  }

  // ---- stopping a server, and what it says ----

  /** The signal goes first, then the observers hear of it, in the same turn: readiness fails before any probe is answered. */
  #stopServer(server: ServerProcess, signal: NodeJS.Signals, cause: StopCause, changeState = true): void {
    const delivered = server.stop(signal, cause);
    if (changeState) this.#supervision.apply({ type: 'stop_requested' });
    if (delivered) this.#supervision.emit({ type: 'signal_forwarded', signal, pid: server.pid });
  }

  #fatalLine(server: ServerProcess, stream: OutputStream, line: string, afterKitGrace: boolean): void {
    if (this.#server !== server) return;
    const decision = decideFatalLine({ stopRequested: server.facts.stopCause !== undefined, fatalErrorReported: server.facts.fatalErrorReported, kitAttached: server.facts.kitAttached }, afterKitGrace);
    if (decision.action === 'await_kit_report') setTimeout(() => this.#fatalLine(server, stream, line, true), KIT_FATAL_GRACE_MS);
    if (decision.action !== 'restart_for_line' || !this.#supervision.apply({ type: 'fatal_logged' })) return;
    server.update({ fatalLine: line });
    this.#supervision.emit({ type: 'fatal_reported', source: 'log', line, stream });
    this.#stopServer(server, 'SIGTERM', { kind: 'restart', reason: 'fatal_log' }, false);
  }

  #startReadiness(server: ServerProcess): void {
    const plan = readinessPlan(this.#options.readiness, this.#options.settings.readinessTimeoutMs);
    if (plan.readyAtSpawn) this.#markReady(server);
    if (plan.timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        if (this.#server === server && readinessTimedOut(this.#supervision.state, server.facts.stopCause !== undefined)) {
          this.#stopServer(server, 'SIGTERM', { kind: 'restart', reason: 'readiness_timeout' });
        }
      }, plan.timeoutMs);
      server.readiness.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }
    if (plan.poll !== undefined) {
      void pollUntilReady(plan.poll, server.readiness.signal).then((ready) => {
        if (ready) this.#markReady(server);
      });
    }
  }

  #markReady(server: ServerProcess): void {
    if (this.#server !== server || server.facts.stopCause !== undefined) return;
    if (this.#supervision.apply({ type: 'ready' })) this.#sigintRestartUnderWay = false;
  }

  #listenToKit(server: ServerProcess): void {
    server.spawned.child.on('error', () => {
      // kill() failures after the server died; its 'exit' carries what matters.
    });
    server.spawned.channel?.listen({
      onDropped: (why, count) => this.#supervision.emit({ type: 'kit_message_dropped', pid: server.pid, why, count }),
      onMessage: (message) => this.#kitReport(server, message),
    });
  }

  #kitReport(server: ServerProcess, message: KitMessage): void {
    if (this.#server !== server) return;
    const decision = decideKitReport(message, {
      stopRequested: server.facts.stopCause !== undefined,
      deadlineArmed: server.deadline.armed,
      fatalErrorReported: server.facts.fatalErrorReported,
    });
    if (decision.kitAttached === true) server.update({ kitAttached: true });
    if (decision.fatalErrorReported === true) server.update({ fatalErrorReported: true });
    if (decision.stateInput !== undefined) this.#supervision.apply(decision.stateInput);
    if (decision.serverRunning === true) this.#sigintRestartUnderWay = false;
    if (decision.sessions !== undefined) {
      this.#supervision.update({ sessions: decision.sessions });
      this.#supervision.emit({ type: 'sessions_changed', count: decision.sessions });
    }
    if (decision.fatalMessage !== undefined) this.#supervision.emit({ type: 'fatal_reported', source: 'kit', line: decision.fatalMessage });
    if (decision.armDeadline === true) server.deadline.arm();
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
    if (trigger === 'sighup' || before !== this.autoRestart) this.#supervision.emit({ type: 'prefs_reloaded', autoRestart: this.autoRestart, trigger });
  }
}
