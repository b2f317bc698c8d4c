import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../config/load-settings.ts';
import { compileLogRule, REGEX_MAX_SCAN, type LogRule } from '../config/log-rule.ts';
import type { Prefs, PrefsResult } from '../config/prefs.ts';
import type { ReadinessCheck } from '../config/readiness-setting.ts';
import { SETTINGS, type Settings } from '../config/settings.ts';
import { ownLogLine } from '../ipc/log-levels.ts';
import { VERSION } from '../config/version.ts';
import { startObserverThread } from '../observers/observer-link.ts';
import { createServerOutput } from '../output/create-server-output.ts';
import { terminationLogTarget, writeTerminationLog } from '../observers/termination-log.ts';
import { EMPTY_TERMINATION_RECORD, recordTermination, terminationMessage, type TerminationSummary } from '../observers/termination-message.ts';
import { OrphanReaper } from '../pid1/reaper.ts';
export { exitNow } from '../pid1/exit-now.ts';
import { Terminal } from '../process/terminal.ts';
import { receiveSigusr1 } from '../pid1/signal-mask.ts';
import { Supervision, type SupervisionListener } from '../supervisor/supervision.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { parseArguments, type ParsedArguments } from './arguments.ts';
import { reportConfigurationErrors } from './config-error.ts';
import type { EarlySignals } from './early-signals.ts';
import { helpText } from './help.ts';

/**
 * Where the bundle keeps the reference streaming server (docs/kit.md): dist/reference-server.js, beside the entry
 * this chunk (dist/chunks/) was loaded by.
 */
function referenceServer(): string {
  const candidates = ['../reference-server.js', './reference-server.js'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((path) => existsSync(path)) ?? (candidates[0] as string);
}

/**
 * podvisor's run, from the command line to its exit status. The termination message is the very last thing
 * written, whatever ended the run: bad configuration, supervision's end, or a failure of podvisor itself.
 */
export async function main(argv: readonly string[], environment: NodeJS.ProcessEnv, signals: EarlySignals): Promise<number> {
  const parsed = parseArguments(argv);
  if (parsed.help) {
    process.stdout.write(helpText(VERSION));
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`podvisor ${VERSION}\n`);
    return 0;
  }
  toleratePodvisorsOwnOutput();
  const terminationLog = terminationLogTarget(environment, parsed.flagValues);
  let record = EMPTY_TERMINATION_RECORD;
  let summary: TerminationSummary;
  try {
    const outcome = await supervise(parsed, environment, signals, (event, snapshot) => {
      record = recordTermination(record, event, snapshot);
    });
    summary = outcome.kind === 'configuration' ? { ...outcome, status: 2 } : { kind: 'supervision', status: outcome.status, record };
  } catch (error) {
    process.stderr.write(`podvisor: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    summary = { kind: 'supervision', status: 1, record, failure: error instanceof Error ? error.message : String(error) };
  }
  if (terminationLog !== undefined) {
    const warning = writeTerminationLog(terminationLog, terminationMessage(summary));
    if (warning !== undefined) process.stderr.write(ownLogLine('warn', warning));
  }
  return summary.status;
}

/**
 * podvisor's own stdout and stderr may refuse writes — a full disk behind `2>file`, a terminal that hung up (EIO),
 * a reader that went away (EPIPE) — and a stream with no 'error' listener would turn that into an uncaught
 * exception: PID 1's end, with the server left running and no termination message. What cannot be written is lost
 * (podvisor has nowhere else to say it); supervision goes on.
 */
function toleratePodvisorsOwnOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

/**
 * podvisor's start-up, in the order that keeps the server's start fast: configuration, the server's spawn,
 * and only then the observer thread (pino, prom-client, the HTTP port, the Kubernetes client), which loads and runs
 * beside supervision, never on its thread. `record` hears every supervision event (for the termination message).
 */
async function supervise(
  parsed: ParsedArguments,
  environment: NodeJS.ProcessEnv,
  signals: EarlySignals,
  record: SupervisionListener,
): Promise<{ readonly kind: 'configuration'; readonly errors: readonly string[] } | { readonly kind: 'supervision'; readonly status: number }> {
  const loaded = loadSettings(environment, parsed.flagValues);
  const errors = [...parsed.errors, ...(loaded.ok ? [] : loaded.errors)];
  let initialPrefs: Prefs = { autoRestart: undefined };
  let readPrefs: ((path: string) => Promise<PrefsResult>) | undefined;
  if (loaded.ok && loaded.settings.prefsFile !== undefined) {
    // The YAML parser is loaded only when there is a prefs file to read.
    ({ readPrefs } = await import('../config/prefs.ts'));
    const prefs = await readPrefs(loaded.settings.prefsFile);
    if (prefs.ok) initialPrefs = prefs.prefs;
    else errors.push(`PODVISOR_PREFS_FILE=${JSON.stringify(loaded.settings.prefsFile)}: ${prefs.message}`);
  }
  // The regex of the error-log rule is compiled here, with its engine loaded only for a regex rule; its error is
  // reported with the others even when other settings are bad too.
  const ruleSetting = SETTINGS.restartOnLog;
  const ruleText = parsed.flagValues[ruleSetting.env] ?? environment[ruleSetting.env] ?? '';
  let restartOnLog: LogRule | undefined = loaded.ok && loaded.settings.restartOnLog.kind !== 'regex' ? loaded.settings.restartOnLog : undefined;
  if (ruleText.startsWith('regex:') && ruleText.length > 'regex:'.length) {
    const compiled = await compileLogRule({ kind: 'regex', source: ruleText.slice('regex:'.length) });
    if (compiled.ok) {
      restartOnLog = compiled.rule;
      if (compiled.rule.kind === 'regex' && compiled.rule.scanLimit < REGEX_MAX_SCAN) {
        process.stderr.write(ownLogLine('warn', `the ${ruleSetting.env} regex compiles to a large program: it looks at the first ${compiled.rule.scanLimit} characters of each line (the work a line may cost is bounded: docs/output.md)`, { scanLimit: compiled.rule.scanLimit }));
      }
    } else {
      const from = ruleSetting.env in parsed.flagValues ? ` (from ${ruleSetting.flag})` : '';
      errors.push(`${ruleSetting.env}=${JSON.stringify(ruleText)}${from} is not valid: ${compiled.message}; accepted: ${ruleSetting.accepts}`);
    }
  }
  if (!loaded.ok || restartOnLog === undefined || errors.length > 0) {
    reportConfigurationErrors(errors);
    return { kind: 'configuration', errors };
  }
  const settings = loaded.settings;
  const usesReferenceServer = parsed.command.length === 0;
  const command = usesReferenceServer ? [process.execPath, referenceServer()] : parsed.command;
  const readiness: ReadinessCheck = usesReferenceServer && settings.readiness.kind === 'auto' ? { kind: 'kit' } : settings.readiness;

  if (process.pid !== 1) {
    // Before the spawn, so that even the server's earliest orphans come to us.
    const { becomeSubreaper } = await import('../pid1/subreaper.ts');
    becomeSubreaper();
  }

  receiveSigusr1();
  const supervision = new Supervision({ holdEvents: true });
  supervision.observe(record);
  const ownChildren = new Set<number>();
  const output = createServerOutput({ restartOnLog, httpPort: settings.httpPort });
  const prefsFile = settings.prefsFile;
  const supervisor = new Supervisor({
    settings,
    command,
    readiness,
    supervision,
    output: output.factory,
    terminal: Terminal.atStdin(),
    environment: serverEnvironment(environment, settings),
    readPrefs: prefsFile === undefined || readPrefs === undefined ? undefined : () => (readPrefs as (path: string) => Promise<PrefsResult>)(prefsFile),
    initialPrefs,
    ownChildren,
  });
  // Signals that came before supervision existed are acted on now, in order; from here on, as they come.
  signals.deliverTo((signal) => supervisor.handleSignal(signal));
  // Reaping is a PID-1 duty of supervision: it starts with it, before any observer loads.
  const reaper = new OrphanReaper(ownChildren, (pid) => supervision.emit({ type: 'orphan_reaped', pid }));
  reaper.start();
  const finished = supervisor.run();

  const observers = startObserverThread({
    settings,
    supervision,
    logDestination: output.logDestination,
    // podvisor does not run without its HTTP port when one was asked for: exit 2, the server stopped gracefully.
    onFailure: (message) => supervisor.abort(2, message),
    // A Pod already being deleted sent (or is about to send) SIGTERM, maybe in Node's start-up, before podvisor could
    // hear it: act on it as on the SIGTERM (a repeat SIGTERM changes nothing).
    onPodDeletion: () => supervisor.podDeletionSeen(),
  });
  supervision.release();
  const status = await finished;
  reaper.stop();
  await observers.close();
  return { kind: 'supervision', status };
}

/**
 * The server inherits podvisor's environment, plus the drain deadline the kit plans its drain by, minus what
 * bin/podvisor set for podvisor alone.
 */
export function serverEnvironment(environment: NodeJS.ProcessEnv, settings: Pick<Settings, 'drainSeconds' | 'killGraceMs'>): NodeJS.ProcessEnv {
  // The marker is set by bin/podvisor when it chose MALLOC_ARENA_MAX for podvisor itself (the operator had not).
  const { __PODVISOR_DEFAULT_MALLOC_ARENA_MAX: chosenByLauncher, MALLOC_ARENA_MAX: arenas, ...rest } = environment;
  const inherited = chosenByLauncher === '1' || arenas === undefined ? rest : { ...rest, MALLOC_ARENA_MAX: arenas };
  return { ...inherited, PODVISOR_DRAIN_SECONDS: String(settings.drainSeconds), PODVISOR_KILL_GRACE_MS: String(settings.killGraceMs) };
}
