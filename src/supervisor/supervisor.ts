import type { OutputStream } from '../output/output-stream.ts';
import type { ServerExit } from '../process/server-exit.ts';
import { BackoffWait } from './backoff-wait.ts';
import { PrefsKeeper } from './prefs-keeper.ts';
import { NO_RESTARTS, planAfterBackoff, planAfterExit, restartSettingsOf, type RestartHistory, type StopCause } from './restart-plan.ts';
import { clearServer, endEscaped, recordEnd, stopServer } from './server-ending.ts';
import { ServerProcess } from './server-process.ts';
import { ServerWatch } from './server-watch.ts';
import { Shutdown } from './shutdown.ts';
import { exceededShutdownBudget } from './shutdown-budget.ts';
import { decideSignal, stopSignalFor, terminalKeystroke, type SignalAction } from './signal-decision.ts';
import type { Supervision } from './supervision.ts';
import type { SupervisorOptions } from './supervisor-options.ts';

export type { SupervisorOptions };

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
  /** When the shutdown's stop signal first went out (ms since the epoch, the escaped processes' clock). */
  #shutdownStopSentAt: number | undefined;
  /** A server has been running (ready) at least once: the pod may be in a Service's endpoints. */
  #everReady = false;
  readonly #backoff = new BackoffWait();
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
    // At start, so that a grace period too short for the shutdown is seen before the first SIGKILL, not after it.
    const budget = exceededShutdownBudget(this.#options.settings);
    if (budget !== undefined) this.#supervision.emit({ type: 'shutdown_budget_exceeded', ...budget });
    try {
      return await this.#loop();
    } catch (error) {
      process.stderr.write(`podvisor: supervision failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      // Said like every other end, so that the termination message and the logs name it too.
      this.#supervision.emit({ type: 'supervisor_exiting', status: 1, why: `supervision failed: ${error instanceof Error ? error.message : String(error)}` });
      return 1;
    } finally {
      this.#prefs.close();
    }
  }

  /** A signal podvisor received: acted on as the signal table says. */
  handleSignal(signal: NodeJS.Signals): void {
    for (const action of this.#decideSignal(signal, this.#server)) this.#act(action);
  }

  #decideSignal(signal: NodeJS.Signals, server: ServerProcess | undefined): readonly SignalAction[] {
    return decideSignal(signal, {
      shutdown: this.#shutdown.phase,
      server: server === undefined ? 'none' : server.facts.stopCause === undefined ? 'running' : 'asked_to_stop',
      lastSigintAt: this.#lastSigintAt,
      now: this.#now(),
      delayApplies: this.#options.settings.shutdownDelaySeconds > 0 && this.#everReady,
      stopSignal: this.#options.settings.stopSignal,
      sighup: this.#options.settings.sighup,
    });
  }

  /**
   * The server that has (or had) the terminal met a Ctrl-C or Ctrl-\ typed there (signal-decision.ts,
   * terminalKeystroke): it means what the signal table says that signal to podvisor means. The server has the
   * signal already: a restart in place needs no SIGINT from podvisor (the server is on its way out, or gone: a
   * restart at once, reason `sigint`); a shutdown sends the stop signal to a server still running.
   */
  #keystroke(server: ServerProcess, signal: NodeJS.Signals, running: boolean): void {
    for (const action of this.#decideSignal(signal, server)) {
      switch (action.kind) {
        case 'remember_sigint':
          this.#lastSigintAt = this.#now();
          break;
        case 'stop_server':
          server.update({ stopCause: action.cause });
          if (running) {
            this.#supervision.apply({ type: 'stop_requested' });
            server.deadline.arm();
          }
          break;
        case 'shutdown':
          if (running && this.#server === server) {
            this.#act(action);
          } else {
            server.update({ stopCause: { kind: 'shutdown', signal: action.stopSignal } });
            this.#shutdown.begin(action.received, action.stopSignal, false);
          }
          break;
        default:
          // The delay's end, a forward, a prefs reload, the back-off's end: nothing for a keystroke to do.
          break;
      }
    }
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
        this.#backoff.end(action.then);
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
      terminal: this.#options.terminal,
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
    this.#supervision.emit({ type: 'server_spawned', pid: server.pid, command, terminal: server.spawned.hasTerminal });
    const watch = new ServerWatch(server, {
      settings,
      readiness: this.#options.readiness,
      supervision: this.#supervision,
      isCurrent: () => this.#server === server,
      stop: (signal: NodeJS.Signals, cause: StopCause) => this.#stopServer(server, signal, cause),
      ready: () => {
        this.#everReady = true;
      },
      signalReceived: (signal: NodeJS.Signals) => {
        // Only a server whose kit said hello reports signals; a stray line on its channel is no keystroke.
        if (!server.facts.kitAttached) return;
        const keystroke = terminalKeystroke({ hadTerminal: server.spawned.hasTerminal, reportedSignal: signal, signalsSent: server.facts.signalsSent });
        if (keystroke === undefined || !this.#isRunning(server)) return;
        server.update({ keystroke });
        this.#keystroke(server, keystroke, true);
      },
      // A server stopped at the terminal (Ctrl-Z) hands it back to podvisor, as a shell takes it back from a job.
      suspended: (suspended: boolean) => {
        const { child } = server.spawned;
        if (!server.spawned.hasTerminal || child.exitCode !== null || child.signalCode !== null) return;
        if (suspended) this.#options.terminal?.takeBack();
        else this.#options.terminal?.giveTo(server.pid);
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
    // A keystroke the kit reported was acted on when it came; one the exit shows is acted on now.
    const reported = server.facts.keystroke;
    const keystroke = reported ?? terminalKeystroke({ hadTerminal: server.spawned.hasTerminal, exitSignal: exit.signal, exitCode: exit.code, signalsSent: server.facts.signalsSent });
    if (keystroke !== undefined && reported === undefined) this.#keystroke(server, keystroke, false);
    const watch = this.#watch;
    watch?.close();
    this.#shutdown.endDelay('cut_short');
    const ended = recordEnd(server, exit, watch, this.#supervision, this.#now());
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
        fatalLinePending: ended.fatalLinePending,
        killedAtDeadline: server.deadline.killedServer,
        signalsSent: facts.signalsSent,
        keystroke,
      },
      fatalLine: facts.fatalLine,
      ranForMs: ended.ranForMs,
      now: ended.exitedAt,
      history: this.#history,
      settings: restartSettingsOf(settings),
      random: this.#random,
    });
    this.#server = undefined;
    this.#watch = undefined;

    if (plan.action !== 'restart') {
      this.#supervision.update({ pid: undefined });
      this.#supervision.apply({ type: 'exited', restarting: false });
      if (plan.action === 'give_up') this.#supervision.emit({ type: 'gave_up', restarts: settings.startLimitBurst, intervalMs: settings.startLimitIntervalMs, exitStatus: plan.status });
      await clearServer(server, this.#supervision);
      await this.#endEscaped();
      if (plan.action === 'give_up') return this.#finish(plan.status, plan.why);
      await server.flushOutput();
      return this.#finish(this.#forcedExit?.status ?? plan.status, this.#forcedExit?.why ?? plan.why);
    }

    this.#history = plan.history;
    this.#supervision.update({ pid: undefined, restarts: this.#supervision.snapshot.restarts + 1, backoffMs: plan.delayMs });
    this.#supervision.apply({ type: 'exited', restarting: true });
    this.#supervision.emit({ type: 'restart_scheduled', reason: plan.reason, delayMs: plan.delayMs, cause: plan.cause });
    // What the old server left in its group (workers holding its port, say) goes before the new one starts.
    await clearServer(server, this.#supervision);
    // Logging the exit and waiting for the group took part of the delay already.
    const woke = this.#shutdown.phase !== 'none' ? 'end' : await this.#backoff.wait(Math.max(0, plan.delayMs - (this.#now() - ended.exitedAt)));
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

  #endEscaped(): Promise<void> {
    const stopSignal = this.#shutdown.stopSignal ?? stopSignalFor('SIGTERM', this.#options.settings.stopSignal);
    return endEscaped(stopSignal, this.#options.settings, this.#options.ownChildren, this.#supervision, this.#shutdownStopSentAt);
  }

  #finish(status: number, why: string): number {
    this.#supervision.apply({ type: 'supervision_ended' });
    this.#supervision.emit({ type: 'supervisor_exiting', status, why });
    return status;
  }

  /** `server` is the current one and has not exited. */
  #isRunning(server: ServerProcess): boolean {
    const { child } = server.spawned;
    return this.#server === server && child.exitCode === null && child.signalCode === null;
  }

  #stopServer(server: ServerProcess, signal: NodeJS.Signals, cause: StopCause): void {
    // The escaped processes get this stop signal now, and their deadline counts from it (#endEscaped).
    if (cause.kind === 'shutdown') this.#shutdownStopSentAt ??= Date.now();
    stopServer(server, signal, cause, this.#supervision, this.#options.ownChildren);
  }
}
