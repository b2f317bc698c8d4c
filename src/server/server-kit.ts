import { setTimeout as sleep } from 'node:timers/promises';
import { KIT_CHANNEL_FLUSH_MS, KIT_STOP_GRACE_MS, kitDrainPlan } from '../ipc/drain-timing.ts';
import type { ServerState } from '../ipc/server-states.ts';
import { KIT_SIGNALS } from '../ipc/protocol.ts';
import { consoleListener, ErrorLog, type ErrorLogEntry, type ErrorLogListener, type ErrorVerbosity } from './error-log.ts';
import { acceptsSessions, drainSecondsFrom, endsRunLoop, exitCode, killsSessions, NO_STOP_CAUSES, numberFrom, requestedState, type SettableState, type StopCauses } from './lifecycle.ts';
import { podvisorChannel, SessionCountReporter, type PodvisorChannel } from './podvisor-channel.ts';
import { pinoHooks, type PinoHookOptions, type PinoHooks } from './pino-hooks.ts';
import { SessionRegistry, type Session, type SessionControl } from './session-registry.ts';

export interface ServerKitOptions {
  /** How long shutdown waits for sessions to end before it closes them. Default: PODVISOR_DRAIN_SECONDS, else 5. */
  readonly drainSeconds?: number;
  /**
   * podvisor's extra time after the drain before it SIGKILLs the server. Default: PODVISOR_KILL_GRACE_MS, else 1000.
   * The kit plans its drain so that it has exited by then (src/ipc/drain-timing.ts).
   */
  readonly killGraceMs?: number;
  /** The run loop's tick (the Darwin Streaming Server sleeps 1 s): how often `idle` kills sessions. Default 1000. */
  readonly tickMs?: number;
  /** Session counts are sent to podvisor at most this often. Default 5. */
  readonly sessionReportIntervalMs?: number;
  /** Error-log entries up to this verbosity go to stderr (`false`: none). Default `message`. */
  readonly consoleVerbosity?: ErrorVerbosity | false;
  /** Where messages to podvisor go. Default: the channel podvisor gave the server (PODVISOR_CHANNEL_FD), else nowhere. */
  readonly channel?: PodvisorChannel;
  /** How the process ends. Default process.exit. */
  readonly exit?: (code: number) => void;
  /** Whether run() handles SIGTERM, SIGQUIT, SIGINT and SIGHUP. Default true. */
  readonly handleSignals?: boolean;
  readonly environment?: NodeJS.ProcessEnv;
}

/** What the server does at the edges of its life; run() calls them. */
export interface ServerHandlers {
  /** Starts the server (bind ports, load things). A throw or rejection is a start-up failure: exit 255. */
  start(kit: ServerKit): void | Promise<void>;
  /** After the sessions drained (or were closed at the deadline), before exit: close listeners. Bounded. */
  stop?(): void | Promise<void>;
  /** SIGHUP: reload configuration. */
  reload?(): void | Promise<void>;
}

export type StateListener = (state: ServerState, previous: ServerState) => void;

/** How long stop() may take at least, even when the drain used up all of its time. */
const STOP_GRACE_MS = KIT_STOP_GRACE_MS;
const CHANNEL_FLUSH_MS = KIT_CHANNEL_FLUSH_MS;


/**
 * The Darwin Streaming Server's lifecycle for a Node server (docs/kit.md): the state, the error log, the session registry, the
 * run loop with its exit codes, and the channel that tells podvisor all of it. One per process.
 */
export class ServerKit {
  readonly drainSeconds: number;
  readonly killGraceMs: number;
  readonly #tickMs: number;
  readonly #channel: PodvisorChannel;
  readonly #exit: (code: number) => void;
  readonly #handleSignals: boolean;
  readonly #errorLog = new ErrorLog();
  readonly #registry: SessionRegistry;
  readonly #reporter: SessionCountReporter;
  readonly #stateListeners = new Set<StateListener>();
  #state: ServerState = 'starting';
  #started = false;
  #running = false;
  #causes: StopCauses = NO_STOP_CAUSES;
  #startupError: string | undefined;
  #loopEnded: (() => void) | undefined;

  constructor(options: ServerKitOptions = {}) {
    const environment = options.environment ?? process.env;
    this.drainSeconds = options.drainSeconds ?? drainSecondsFrom(environment['PODVISOR_DRAIN_SECONDS']);
    this.killGraceMs = options.killGraceMs ?? numberFrom(environment['PODVISOR_KILL_GRACE_MS'], 1000);
    this.#tickMs = options.tickMs ?? 1000;
    this.#channel = options.channel ?? podvisorChannel(environment);
    this.#exit = options.exit ?? ((code) => process.exit(code));
    this.#handleSignals = options.handleSignals ?? true;
    this.#reporter = new SessionCountReporter((count) => this.#channel.send({ podvisor: 1, type: 'sessions', count }), options.sessionReportIntervalMs ?? 5);
    this.#registry = new SessionRegistry((count) => this.#reporter.changed(count));
    const consoleVerbosity = options.consoleVerbosity ?? 'message';
    if (consoleVerbosity !== false) this.#errorLog.add(consoleListener(consoleVerbosity));
    this.#channel.send({ podvisor: 1, type: 'hello', state: this.#state, pid: process.pid });
    // podvisor shows a kit server's sessions from the start: 0 is known, not missing.
    this.#channel.send({ podvisor: 1, type: 'sessions', count: 0 });
    // A server that ends by itself, without run(), still sends its last count.
    if (this.#channel.connected) process.once('beforeExit', () => this.#reporter.flush());
  }

  get state(): ServerState {
    return this.#state;
  }

  /** Whether a new session would be accepted now (only in `running`). */
  get acceptingSessions(): boolean {
    return acceptsSessions(this.#state);
  }

  get sessionCount(): number {
    return this.#registry.count;
  }

  /** Whether podvisor spawned this server and listens to it. */
  get supervised(): boolean {
    return this.#channel.connected;
  }

  /**
   * Moves the server to `state` (running, refusing_connections, idle, shutting_down) and tells podvisor at
   * once. Returns false when it does not apply: the server is already there, or is shutting down or failed.
   */
  setState(state: SettableState): boolean {
    const next = requestedState(this.#state, state);
    if (next === undefined) return false;
    this.#changeState(next);
    return true;
  }

  onStateChange(listener: StateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  // ---- the error log ----

  /** Registers an error-log listener (QTSS_ErrorLog_Role, docs/origins.md); returns a function that removes it. */
  addErrorLogListener(listener: ErrorLogListener): () => void {
    return this.#errorLog.add(listener);
  }

  /** Logs an error; `fatal` moves the server to fatal_error, and the run loop then ends with exit 254. */
  logError(verbosity: ErrorVerbosity, message: string): void {
    this.#log({ verbosity, message: String(message), time: new Date(), source: 'logError' });
  }

  /** pino `hooks`: a log call at the threshold (`fatal` by default, or `error`) does what logError('fatal') does. */
  pinoHooks(options: PinoHookOptions = {}): PinoHooks {
    return pinoHooks((message) => this.#log({ verbosity: 'fatal', message, time: new Date(), source: 'pino' }), options);
  }

  // ---- sessions ----

  /** Registers a new session, or returns undefined when the state refuses new sessions (answer 503). */
  openSession(control: SessionControl): Session | undefined {
    if (!acceptsSessions(this.#state)) return undefined;
    return this.#registry.add(control);
  }

  // ---- the run loop ----

  /**
   * Runs the server to its end: start, then the run loop until shutting_down or fatal_error, then the drain,
   * then exit with the Darwin Streaming Server's code (0, 254, 255). Resolves with that code once `exit` was called.
   */
  async run(handlers: ServerHandlers): Promise<number> {
    if (this.#running) throw new Error('podvisor/server: run() was already called for this kit');
    this.#running = true;
    if (this.#handleSignals) this.#installSignalHandlers(handlers);
    // podvisor never exits before its server, so a closed channel means it was killed: the server must not
    // live on as an orphan nobody supervises. It drains and exits as on SIGTERM.
    this.#channel.onDisconnect(() => {
      // The output pipes went with podvisor: a write to them (EPIPE) must not crash the drain.
      for (const output of [process.stdout, process.stderr]) output.on('error', () => {});
      this.logError('warning', 'podvisor is gone (its IPC channel closed); shutting down');
      this.requestStop('terminate');
    });
    try {
      await handlers.start(this);
    } catch (error) {
      this.#startupError ??= error instanceof Error ? error.message : String(error);
    }
    this.#started = true;
    if (this.#startupError !== undefined) return this.#failStartup(handlers);
    if (this.#state === 'starting') this.#changeState('running');
    await this.#runLoop();
    await this.#drain(handlers);
    return this.#end(exitCode(this.#causes));
  }

  /** What SIGTERM/SIGQUIT (`terminate`) and SIGINT (`interrupt`) do; for servers that stop themselves. */
  requestStop(kind: 'terminate' | 'interrupt'): void {
    this.#causes = kind === 'terminate' ? { ...this.#causes, terminated: true } : { ...this.#causes, interrupted: true };
    if (!endsRunLoop(this.#state)) this.#changeState('shutting_down');
  }

  #installSignalHandlers(handlers: ServerHandlers): void {
    for (const signal of KIT_SIGNALS) {
      process.on(signal, () => {
        // Told first: on a terminal this may be a keystroke podvisor cannot see (docs/supervision.md, "On a terminal").
        this.#channel.send({ podvisor: 1, type: 'signal', signal });
        if (signal === 'SIGHUP') {
          void Promise.resolve()
            .then(() => handlers.reload?.())
            .catch((error: unknown) => this.logError('warning', `reload failed: ${error instanceof Error ? error.message : String(error)}`));
        } else {
          this.requestStop(signal === 'SIGINT' ? 'interrupt' : 'terminate');
        }
      });
    }
  }

  #runLoop(): Promise<void> {
    if (endsRunLoop(this.#state)) return Promise.resolve();
    return new Promise((resolve) => {
      // Ref'd on purpose: like the Darwin Streaming Server's main thread, the run loop keeps the server alive.
      const tick = setInterval(() => {
        if (killsSessions(this.#state)) this.#registry.killAll();
      }, this.#tickMs);
      this.#loopEnded = () => {
        clearInterval(tick);
        this.#loopEnded = undefined;
        resolve();
      };
    });
  }

  /**
   * Every session is asked to end; the kit waits for them at most the drain time (less, when podvisor's kill
   * grace would not leave room for the rest of the exit), closes what is left, then runs stop().
   */
  async #drain(handlers: ServerHandlers): Promise<void> {
    const started = Date.now();
    const plan = kitDrainPlan(this.drainSeconds, this.killGraceMs);
    this.#registry.endAll();
    const drained = await this.#registry.waitUntilEmpty(plan.sessionsEndMs);
    if (!drained) {
      const left = this.#registry.killAll();
      this.logError('warning', `${left} session(s) did not end within ${this.drainSeconds} s; closed them`);
    }
    await this.#bounded(handlers.stop, Math.max(0, started + plan.stopEndMs - Date.now()));
  }

  async #failStartup(handlers: ServerHandlers): Promise<number> {
    this.#causes = { ...this.#causes, startupFailed: true };
    process.stderr.write(`podvisor/server: start-up failed: ${this.#startupError ?? 'unknown error'}\n`);
    this.#registry.killAll();
    await this.#bounded(handlers.stop, STOP_GRACE_MS);
    return this.#end(exitCode(this.#causes));
  }

  async #end(code: number): Promise<number> {
    this.#reporter.flush();
    await this.#channel.flush(CHANNEL_FLUSH_MS);
    this.#exit(code);
    return code;
  }

  async #bounded(action: (() => void | Promise<void>) | undefined, timeoutMs: number): Promise<void> {
    if (action === undefined) return;
    const timeout = new AbortController();
    try {
      await Promise.race([Promise.resolve().then(action), sleep(timeoutMs, undefined, { signal: timeout.signal })]);
    } catch (error) {
      process.stderr.write(`podvisor/server: stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
    } finally {
      timeout.abort();
    }
  }

  // ---- state changes ----

  #log(entry: ErrorLogEntry): void {
    // podvisor hears of a fatal error before any listener writes a line about it.
    if (entry.verbosity === 'fatal') this.#fatal(entry.message);
    this.#errorLog.publish(entry);
  }

  #fatal(message: string): void {
    this.#causes = { ...this.#causes, fatal: true };
    if (!this.#started) {
      // The Darwin Streaming Server's StartServer() returning qtssFatalErrorState: exit(-1), don't try again. podvisor is not
      // told of a fatal error (that would make it restart the server); the exit status says it all.
      this.#startupError ??= message;
      if (this.#state !== 'fatal_error') this.#setLocalState('fatal_error');
      return;
    }
    if (endsRunLoop(this.#state)) return;
    this.#channel.send({ podvisor: 1, type: 'fatal', message });
    this.#changeState('fatal_error');
  }

  #changeState(next: ServerState): void {
    if (!this.#started && next === 'fatal_error') return;
    this.#setLocalState(next);
    this.#channel.send({ podvisor: 1, type: 'state', state: next });
  }

  #setLocalState(next: ServerState): void {
    const previous = this.#state;
    this.#state = next;
    if (killsSessions(next)) this.#registry.killAll();
    for (const listener of this.#stateListeners) {
      try {
        listener(next, previous);
      } catch (error) {
        process.stderr.write(`podvisor/server: a state listener failed: ${String(error)}\n`);
      }
    }
    if (endsRunLoop(next)) this.#loopEnded?.();
  }
}

export function createServerKit(options: ServerKitOptions = {}): ServerKit {
  return new ServerKit(options);
}
