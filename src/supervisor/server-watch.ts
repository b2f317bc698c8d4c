import type { ReadinessCheck } from '../config/readiness-setting.ts';
import type { Settings } from '../config/settings.ts';
import type { KitMessage } from '../ipc/protocol.ts';
import type { OutputStream } from '../output/output-stream.ts';
import { readProcessStat } from '../pid1/process-table.ts';
import { groupListeningSockets, type ListeningSocket } from '../process/listening-ports.ts';
import { pollUntilReady } from '../readiness/probe-server.ts';
import { confirmFatalLine } from './fatal-confirmation.ts';
import { confirmationProbe, decideFatalLine, KIT_FATAL_GRACE_MS } from './fatal-line.ts';
import { decideKitReport } from './kit-report.ts';
import { readinessPlan, readinessTimedOut } from './readiness-plan.ts';
import type { StopCause } from './restart-plan.ts';
import type { ServerProcess } from './server-process.ts';
import type { SupervisionState } from './states.ts';
import type { Supervision } from './supervision.ts';
import type { StateInput } from './transitions.ts';

/** What a watch needs of the supervisor. */
export interface WatchContext {
  readonly settings: Pick<Settings, 'readinessTimeoutMs' | 'fatalConfirmSeconds' | 'stopSignal' | 'restartOnLog'>;
  readonly readiness: ReadinessCheck;
  readonly supervision: Supervision;
  /** This server is still the supervisor's current one. */
  isCurrent(): boolean;
  stop(signal: NodeJS.Signals, cause: StopCause): void;
  /** The server reached `running`. */
  ready(): void;
  /** The server was stopped (SIGSTOP, Ctrl-Z) or continues. */
  suspended(suspended: boolean): void;
  /** The server's kit received `signal` (SIGINT, SIGQUIT…): a keystroke at its terminal, unless podvisor sent it. */
  signalReceived(signal: NodeJS.Signals): void;
}

/** How often the server's listening ports are looked at while it runs (a /proc read of its process group). */
const SOCKETS_LOOK_MS = 5000;

function unionOfSockets(earlier: readonly ListeningSocket[], now: readonly ListeningSocket[]): ListeningSocket[] {
  const seen = new Map<string, ListeningSocket>();
  for (const socket of [...now, ...earlier]) seen.set(`${socket.host}:${socket.port}`, socket);
  return [...seen.values()];
}

/** A fatal line that awaits confirmation. */
interface PendingFatal {
  readonly line: string;
  /** The state before the line, to return to if it is not confirmed. */
  readonly before: SupervisionState;
  readonly abort: AbortController;
}

/**
 * Everything one server tells podvisor besides its exit: its kit's reports, its fatal lines (and their
 * confirmation), its readiness, and whether it is stopped (SIGSTOP). Each input is asked of its decision table
 * and acted on; nothing of it outlives the server (close()).
 */
export class ServerWatch {
  readonly #server: ServerProcess;
  readonly #context: WatchContext;
  readonly #supervision: Supervision;
  #pending: PendingFatal | undefined;
  #suspended = false;
  /** The ports the server listened on when last looked at: a server may close them in the same moment it logs its line. */
  #knownSockets: readonly ListeningSocket[] = [];
  #socketsTimer: NodeJS.Timeout | undefined;
  readonly #onChildSignal = (): void => this.#checkSuspended();

  constructor(server: ServerProcess, context: WatchContext) {
    this.#server = server;
    this.#context = context;
    this.#supervision = context.supervision;
  }

  /** A fatal line awaits confirmation. */
  get fatalLinePending(): boolean {
    return this.#pending !== undefined;
  }

  start(): void {
    this.#server.spawned.child.on('error', () => {
      // kill() failures after the server died; its 'exit' carries what matters.
    });
    this.#server.spawned.channel?.listen({
      onDropped: (why, count) => this.#supervision.emit({ type: 'kit_message_dropped', pid: this.#server.pid, why, count }),
      onMessage: (message) => this.#kitReport(message),
    });
    // The kernel tells the parent when a child stops or continues (SIGCHLD): a stopped server is not ready.
    process.on('SIGCHLD', this.#onChildSignal);
    this.#startReadiness();
    if (this.#context.settings.fatalConfirmSeconds > 0 && this.#context.settings.restartOnLog.kind !== 'off') this.#watchSockets();
  }

  close(): void {
    process.off('SIGCHLD', this.#onChildSignal);
    clearTimeout(this.#socketsTimer);
    this.#pending?.abort.abort();
  }

  /** Looks at the server's listening ports a second after its start and every SOCKETS_LOOK_MS after that. */
  #watchSockets(): void {
    const look = (): void => {
      if (!this.#context.isCurrent()) return;
      this.#knownSockets = groupListeningSockets(this.#server.pid);
      this.#socketsTimer = setTimeout(look, SOCKETS_LOOK_MS).unref();
    };
    this.#socketsTimer = setTimeout(look, 1000).unref();
  }

  /** A line of this server's output reached the error-log rule's threshold. */
  fatalLine(stream: OutputStream, line: string, afterKitGrace = false): void {
    if (!this.#context.isCurrent()) return;
    const { facts } = this.#server;
    const decision = decideFatalLine(
      { stopRequested: facts.stopCause !== undefined, fatalErrorReported: facts.fatalErrorReported, kitAttached: facts.kitAttached, confirming: this.#pending !== undefined },
      afterKitGrace,
    );
    if (decision.action === 'await_kit_report') setTimeout(() => this.fatalLine(stream, line, true), KIT_FATAL_GRACE_MS);
    if (decision.action !== 'confirm') return;
    const before = this.#supervision.state;
    if (!this.#supervision.apply({ type: 'fatal_logged' })) return;
    this.#server.update({ fatalLine: line });
    const pending: PendingFatal = { line, before, abort: new AbortController() };
    this.#pending = pending;
    this.#supervision.update({ fatalLinePending: true });
    this.#supervision.emit({ type: 'fatal_reported', source: 'log', line, stream });
    const windowMs = this.#context.settings.fatalConfirmSeconds * 1000;
    const probe = confirmationProbe(this.#context.readiness, windowMs === 0 ? [] : unionOfSockets(this.#knownSockets, groupListeningSockets(this.#server.pid)));
    const started = Date.now();
    void confirmFatalLine(probe, windowMs, pending.abort.signal).then((outcome) => {
      if (this.#pending !== pending || !this.#context.isCurrent() || this.#server.facts.stopCause !== undefined) return;
      this.#pending = undefined;
      this.#supervision.update({ fatalLinePending: false });
      if (outcome === 'confirmed') {
        this.#supervision.emit({ type: 'fatal_confirmed', by: windowMs === 0 ? 'no_wait' : 'health_check', line });
        this.#context.stop(this.#context.settings.stopSignal ?? 'SIGTERM', { kind: 'restart', reason: 'fatal_log' });
      } else if (outcome === 'not_confirmed') {
        this.#server.update({ fatalLine: undefined });
        this.#supervision.apply({ type: 'fatal_dismissed', state: before });
        this.#supervision.emit({ type: 'fatal_not_confirmed', line, seconds: (Date.now() - started) / 1000 });
      }
    });
  }

  #kitReport(message: KitMessage): void {
    if (!this.#context.isCurrent()) return;
    const server = this.#server;
    const decision = decideKitReport(message, { stopRequested: server.facts.stopCause !== undefined, deadlineArmed: server.deadline.armed, fatalErrorReported: server.facts.fatalErrorReported });
    if (decision.kitAttached === true) server.update({ kitAttached: true });
    if (decision.fatalErrorReported === true) {
      server.update({ fatalErrorReported: true });
      // The kit's report confirms a fatal line that awaited confirmation: it drains and exits on its own.
      this.#pending?.abort.abort();
      this.#pending = undefined;
      this.#supervision.update({ fatalLinePending: false });
    }
    if (decision.stateInput !== undefined) this.#applyState(decision.stateInput);
    if (decision.sessions !== undefined) {
      this.#supervision.update({ sessions: decision.sessions });
      this.#supervision.emit({ type: 'sessions_changed', count: decision.sessions });
    }
    if (decision.fatalMessage !== undefined) this.#supervision.emit({ type: 'fatal_reported', source: 'kit', line: decision.fatalMessage });
    if (decision.armDeadline === true) server.deadline.arm();
    if (decision.signalReceived !== undefined) this.#context.signalReceived(decision.signalReceived);
  }

  #applyState(input: StateInput): void {
    if (this.#supervision.apply(input) && this.#supervision.state === 'running') this.#context.ready();
  }

  #startReadiness(): void {
    const server = this.#server;
    const plan = readinessPlan(this.#context.readiness, this.#context.settings.readinessTimeoutMs);
    if (plan.readyAtSpawn) this.#markReady();
    if (plan.timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        if (this.#context.isCurrent() && readinessTimedOut(this.#supervision.state, server.facts.stopCause !== undefined)) {
          this.#context.stop(this.#context.settings.stopSignal ?? 'SIGTERM', { kind: 'restart', reason: 'readiness_timeout' });
        }
      }, plan.timeoutMs);
      server.readiness.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }
    if (plan.poll !== undefined) {
      void pollUntilReady(plan.poll, server.readiness.signal).then((ready) => {
        if (ready) this.#markReady();
      });
    }
  }

  #markReady(): void {
    if (!this.#context.isCurrent() || this.#server.facts.stopCause !== undefined) return;
    this.#applyState({ type: 'ready' });
  }

  #checkSuspended(): void {
    const state = readProcessStat(this.#server.pid)?.state;
    const suspended = state === 'T' || state === 't';
    if (suspended === this.#suspended || !this.#context.isCurrent()) return;
    this.#suspended = suspended;
    this.#supervision.update({ serverSuspended: suspended });
    this.#context.suspended(suspended);
    this.#supervision.emit({ type: 'server_suspended', suspended });
  }
}
