import { setTimeout as sleep } from 'node:timers/promises';
import type { Prefs, PrefsResult } from '../config/prefs.ts';
import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { Settings } from '../config/settings.ts';
import type { OutputStream } from '../output/output-stream.ts';
import type { ServerOutputFactory } from '../output/server-output.ts';
import type { ServerExit } from '../process/server-exit.ts';
import { endEscapedProcesses, signalEscapedProcesses } from './escaped-processes.ts';
import { PrefsKeeper } from './prefs-keeper.ts';
import { NO_RESTARTS, planAfterBackoff, planAfterExit, type RestartHistory, type StopCause } from './restart-plan.ts';
import { ServerProcess } from './server-process.ts';
import { ServerWatch } from './server-watch.ts';
import { Shutdown } from './shutdown.ts';
import { decideSignal, stopSignalFor, type SignalAction } from './signal-decision.ts';
import { stopDeadlineMs } from './stop-deadline.ts';
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
 * ask the restart plan → act, and every signal asked of the signal table and acted on. What one server says
 * (the kit, its fatal lines, its readiness) is watched by ServerWatch; the shutdown and its delay by Shutdown.
 * Effects only: each decision lives in a pure module beside this file (docs/architecture.md).
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #supervision: Supervision;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #shutdown: Shutdown;
  readonly #prefs: PrefsKeeper;
  #history: RestartHistory = NO_RESTARTS;
  #server: ServerProcess | undefined;
  #watch: ServerWatch | undefined;
  /** When the last SIGINT came: a second one within 3 s quits. */
  #lastSigintAt: number | undefined;
  /** A server has been running (ready) at least once: the pod may be in a Service's endpoints. */
  #everReady = false;
  /** Aborted to end a back-off wait early, with the reason 'start_now' or 'end'. */
  #backoff: AbortController | undefined;
  #forcedExit: { readonly status: number; readonly why: string } | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#supervision = options.supervision;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#prefs = new PrefsKeeper(options.readPrefs, options.initialPrefs, options.settings.autoRestart, options.supervision);
    this.#shutdown = new Shutdown(options.settings.shutdownDelaySeconds, options.supervision, this.#now, () => this.#stopForShutdown());
  }

  get autoRestart(): boolean {
    return this.#prefs.autoRestart;
  }

  /** Runs supervision to its end; resolves with podvisor's exit status (a failure of podvisor itself is 1). */
  async run(): Promise<number> {
    const { prefsFile } = this.#options.settings;
    if (prefsFile !== undefined) this.#prefs.watch(prefsFile);
    try {
      return await this.#loop();
    } catch (error) {
      process.stderr.write(`podvisor: supervision failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return 1;
    } finally {
      this.#prefs.close();
    }
  }

  /** A signal podvisor received: acted on as the signal table says. */
  handleSignal(signal: NodeJS.Signals): void {
    const server = this.#server;
    const actions = decideSignal(signal, {
      shutdown: this.#shutdown.phase,
      server: server === undefined ? 'none' : server.facts.stopCause === undefined ? 'running' : 'asked_to_stop',
      lastSigintAt: this.#lastSigintAt,
      now: this.#now(),
      delayApplies: this.#options.settings.shutdownDelaySeconds > 0 && this.#everReady,
      stopSignal: this.#options.settings.stopSignal,
      sighup: this.#options.settings.sighup,
    });
    for (const action of actions) this.#act(action);
  }

  /** A line of the current server's output reached the error-log rule's threshold (what the output path calls). */
  onFatalLine(stream: OutputStream, line: string): void {
    this.#watch?.fatalLine(stream, line);
  }

  /** The Pod was already being deleted when podvisor could first ask: its SIGTERM may have come unheard. */
  podDeletionSeen(): void {
    this.#supervision.emit({ type: 'pod_deletion_seen' });
    this.handleSignal('SIGTERM');
  }

  /** Ends supervision with `status` (e.g. the HTTP port cannot be bound): the server is stopped at once, no delay. */
  abort(status: number, why: string): void {
    this.#forcedExit ??= { status, why };
    this.handleSignal('SIGTERM');
    this.#shutdown.endDelay('cut_short');
  }

  #act(action: SignalAction): void {
    const server = this.#server;
    switch (action.kind) {
      case 'stop_server':
        if (server !== undefined) this.#stopServer(server, action.signal, action.cause);
        break;
      case 'shutdown':
        if (server !== undefined && action.delay) {
          // The server is untouched for the delay, but counts as asked to stop: readiness fails now, and its kit's
          // reports cannot make it ready again.
          server.update({ stopCause: { kind: 'shutdown', signal: action.stopSignal } });
          server.readiness.abort();
          this.#supervision.apply({ type: 'stop_requested' });
        } else if (server !== undefined) {
          // The signal goes to the server before the observers hear that shutdown began: they cannot delay it.
          this.#stopServer(server, action.stopSignal, { kind: 'shutdown', signal: action.stopSignal });
        }
        this.#shutdown.begin(action.received, action.stopSignal, server !== undefined && action.delay);
        break;
      case 'end_delay':
        this.#shutdown.endDelay('cut_short');
        break;
      case 'end_backoff':
        if (action.then === 'end') this.#supervision.apply({ type: 'supervision_ended' });
        this.#backoff?.abort(action.then);
        break;
      case 'remember_sigint':
        this.#lastSigintAt = this.#now();
        break;
      case 'reload_prefs':
        void this.#prefs.reload('sighup');
        break;
      case 'forward':
        if (server?.forward(action.signal) === true) this.#supervision.emit({ type: 'signal_forwarded', signal: action.signal, pid: server.pid });
        break;
    }
  }

  /** The shutdown delay is over (or was cut short): the stop signal goes to the server, and to what escaped it. */
  #stopForShutdown(): void {
    const stopSignal = this.#shutdown.stopSignal;
    if (stopSignal === undefined) return;
    const server = this.#server;
    if (server !== undefined) this.#stopServer(server, stopSignal, { kind: 'shutdown', signal: stopSignal });
  }

  // ---- the loop ----

  async #loop(): Promise<number> {
    for (;;) {
      // A shutdown asked for before the first server started (a SIGTERM in podvisor's first milliseconds): none starts.
      if (this.#shutdown.phase !== 'none') return this.#finish(this.#forcedExit?.status ?? 0, this.#forcedExit?.why ?? `shut down by ${this.#shutdown.received ?? 'a signal'} before the server started`);
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
    const owner: { watch?: ServerWatch } = {};
    const output = this.#options.output({
      onFatalLine: (stream, line) => owner.watch?.fatalLine(stream, line),
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
    this.#supervision.update({ pid: server.pid, serverStartedAt: server.facts.startedAt, backoffMs: 0, sessions: undefined, fatalLinePending: false, serverSuspended: false });
    this.#supervision.apply({ type: 'spawned' });
    this.#supervision.emit({ type: 'server_spawned', pid: server.pid, command });
    const watch = new ServerWatch(server, {
      settings,
      readiness: this.#options.readiness,
      supervision: this.#supervision,
      isCurrent: () => this.#server === server,
      stop: (signal: NodeJS.Signals, cause: StopCause) => this.#stopServer(server, signal, cause),
      ready: () => {
        this.#everReady = true;
      },
    });
    owner.watch = watch;
    this.#watch = watch;
    watch.start();
    // A shutdown that began while the spawn was under way applies to this server now, without a delay.
    const stopSignal = this.#shutdown.stopSignal;
    if (stopSignal !== undefined) this.#stopServer(server, stopSignal, { kind: 'shutdown', signal: stopSignal });
    return server;
  }

  async #afterExit(server: ServerProcess, exit: ServerExit): Promise<number | 'restart'> {
    server.readiness.abort();
    // The kit's last reports (a fatal error, the last session count) are read before the exit is judged.
    await server.channelRead();
    const watch = this.#watch;
    watch?.close();
    this.#shutdown.endDelay('cut_short');
    const exitedAt = this.#now();
    const ranForMs = exitedAt - server.facts.startedAt;
    const stoppedBy = server.stoppedByPodvisor ? 'podvisor' : undefined;
    this.#supervision.update({ lastExit: stoppedBy === undefined ? exit : { ...exit, stoppedBy }, sessions: undefined, fatalLinePending: false, serverSuspended: false });
    this.#supervision.emit({ type: 'server_exited', pid: server.pid, exit, ranForMs, ...(stoppedBy === undefined ? {} : { stoppedBy }) });
    const fatalLinePending = watch?.fatalLinePending === true;
    if (fatalLinePending && stoppedBy === undefined) this.#supervision.emit({ type: 'fatal_confirmed', by: 'exit', line: server.facts.fatalLine ?? '' });
    if (this.#prefs.hasFile) await this.#prefs.reload('restart');
    const { settings } = this.#options;
    const { facts } = server;
    const plan = planAfterExit({
      facts: {
        exit,
        policy: settings.restartPolicy,
        autoRestart: this.autoRestart,
        stopCause: facts.stopCause,
        shutdownSignal: this.#shutdown.stopSignal,
        fatalErrorReported: facts.fatalErrorReported,
        fatalLinePending,
        killedAtDeadline: server.deadline.killedServer,
        signalsSent: facts.signalsSent,
      },
      fatalLine: facts.fatalLine,
      ranForMs,
      now: exitedAt,
      history: this.#history,
      settings: { restartDelayMs: settings.restartDelayMs, backoffMaxMs: settings.restartBackoffMaxMs, stableAfterMs: settings.stableAfterMs, startLimit: { burst: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs } },
      random: this.#random,
    });
    this.#server = undefined;
    this.#watch = undefined;

    if (plan.action !== 'restart') {
      this.#supervision.update({ pid: undefined });
      this.#supervision.apply({ type: 'exited', restarting: false });
      if (plan.action === 'give_up') {
        this.#supervision.emit({ type: 'gave_up', restarts: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs, exitStatus: plan.status });
      }
      await this.#groupGone(server);
      await this.#endEscaped();
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
    if (woke === 'end') {
      await this.#endEscaped();
      return this.#finish(this.#forcedExit?.status ?? 0, this.#forcedExit?.why ?? `shut down by ${this.#shutdown.received ?? 'a signal'} during back-off`);
    }
    if (this.#prefs.hasFile) await this.#prefs.reload('restart');
    const next = planAfterBackoff(this.autoRestart, exit);
    if (next.action === 'exit') return this.#finish(next.status, next.why);
    this.#supervision.emit({ type: 'restart_began' });
    return 'restart';
  }

  /** Resolves 'elapsed', or early with 'start_now' (SIGINT) or 'end' (shutdown). */
  async #waitBackoff(delayMs: number): Promise<'elapsed' | 'start_now' | 'end'> {
    if (this.#shutdown.phase !== 'none') return 'end';
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
    const end = await server.waitForGroup();
    if (!end.gone) this.#supervision.emit({ type: 'processes_left', pids: end.left, where: 'group' });
    // A drain is podvisor's stop of the server; cleaning up what a server left behind after ending on its own is not.
    const drain = server.deadline.takeDrainResult();
    if (drain !== undefined) this.#supervision.emit({ type: server.stoppedByPodvisor ? 'drain_finished' : 'leftovers_ended', ...drain });
  }

  /** podvisor leaves nothing behind: what escaped the server's group gets the stop signal, then SIGKILL. */
  async #endEscaped(): Promise<void> {
    const stopSignal = this.#shutdown.stopSignal ?? stopSignalFor('SIGTERM', this.#options.settings.stopSignal);
    const left = await endEscapedProcesses(stopSignal, stopDeadlineMs(this.#options.settings), this.#options.ownChildren, (pids, signal) =>
      this.#supervision.emit({ type: 'escaped_processes_signalled', pids, signal }),
    );
    if (left.length > 0) this.#supervision.emit({ type: 'processes_left', pids: left, where: 'escaped' });
  }

  #finish(status: number, why: string): number {
    this.#supervision.apply({ type: 'supervision_ended' });
    this.#supervision.emit({ type: 'supervisor_exiting', status, why });
    return status;
  }

  /** The signal goes first, then the observers hear of it, in the same turn: readiness fails before any probe is answered. */
  #stopServer(server: ServerProcess, signal: NodeJS.Signals, cause: StopCause): void {
    const delivered = server.stop(signal, cause);
    this.#supervision.apply({ type: 'stop_requested' });
    if (delivered) this.#supervision.emit({ type: 'signal_forwarded', signal, pid: server.pid });
    if (cause.kind === 'shutdown') {
      const escaped = signalEscapedProcesses(signal, this.#options.ownChildren);
      if (escaped.length > 0) this.#supervision.emit({ type: 'escaped_processes_signalled', pids: escaped, signal });
    }
  }
}
