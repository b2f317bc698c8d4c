import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArguments } from '../arguments.ts';
import { readSetting } from '../../config/load-settings.ts';
import type { SettingKey, Settings } from '../../config/settings.ts';
import type { StatusDocument } from '../../observers/http/probe-answers.ts';
import { SECOND_SIGINT_WINDOW_MS } from '../../supervisor/signal-decision.ts';
import { CTL_USAGE, parseCtlArguments } from './ctl-arguments.ts';
import { restartProgress, shutdownBegun } from './ctl-outcome.ts';
import { isAlive, readChildren } from '../../pid1/process-table.ts';
import { findPodvisor, readCommandLine, readEnvironment, shownCommandLine, type FoundPodvisor } from './find-podvisor.ts';
import { isPending, readProcessStatus } from './proc-status.ts';
import { fetchStatus, shownAddress, statusAddress, type StatusAddress } from './status-client.ts';
import { parseStatusDocument, shownDuration, whereFound, statusText } from './status-text.ts';

type Found = Extract<FoundPodvisor, { ok: true }>;

/** How long one GET /status may take. */
const STATUS_TIMEOUT_MS = 2000;
/** How often /status is asked while ctl waits for an outcome. */
const POLL_INTERVAL_MS = 100;
/** How long a SIGTERM may stay pending before `stop --now` gives up on sending its SIGINT after it. */
const DELIVERY_TIMEOUT_MS = 2000;
/** How long `stop` waits to see the shutdown begin. */
const SHUTDOWN_SEEN_TIMEOUT_MS = 5000;

/**
 * `podvisor ctl status | restart | reload | stop [--now]` (docs/shutdown.md, "podvisor ctl"): a short-lived process
 * in the container that finds the running podvisor, signals it as an operator would, and reports what happened.
 * Loads neither pino, prom-client nor the Kubernetes client: it must start fast. Returns the exit status.
 */
export async function ctl(argv: readonly string[], environment: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCtlArguments(argv);
  if (!parsed.ok) return fail(`${parsed.message}\n${CTL_USAGE.split('\n', 1)[0] ?? ''} (podvisor ctl --help)`, 2);
  const { request } = parsed;
  if (request.command === 'help') {
    process.stdout.write(CTL_USAGE);
    return 0;
  }
  const found = findPodvisor(environment);
  if (!found.ok) return fail(found.message);
  const settings = targetSettings(found, environment);
  const address = statusAddress(settings.httpHost, settings.httpPort);
  switch (request.command) {
    case 'status':
      return status(found, address, request.json);
    case 'restart':
      return restart(found, address, settings);
    case 'reload':
      return reload(found, settings);
    case 'stop':
      return stop(found, address, settings, request.now);
  }
}

function fail(message: string, status = 1): number {
  process.stderr.write(`podvisor ctl: ${message}${message.endsWith('\n') ? '' : '\n'}`);
  return status;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

// ---- what the running podvisor was told ----

type TargetSettings = Pick<Settings, 'httpPort' | 'httpHost' | 'prefsFile' | 'sighup' | 'shutdownDelaySeconds' | 'drainSeconds' | 'killGraceMs' | 'stopSignal'>;

/**
 * The settings of the running podvisor: its flags (from its command line) over its environment (from /proc, when
 * ctl may read it; else ctl's own, which `kubectl exec` gives the same as the container's).
 */
function targetSettings(found: Found, ownEnvironment: NodeJS.ProcessEnv): TargetSettings {
  const environment = readEnvironment(found.pid) ?? ownEnvironment;
  const { flagValues } = parseArguments(found.arguments);
  const value = <K extends SettingKey>(key: K): Settings[K] => {
    const result = readSetting(key, environment, flagValues);
    if (result.ok) return result.value;
    // A value podvisor would have refused: it runs with another one (its environment was not readable).
    const fallback = readSetting(key, {}, {});
    if (!fallback.ok) throw new Error(`the default of ${key} is not valid: ${fallback.message}`);
    return fallback.value;
  };
  return {
    httpPort: value('httpPort'),
    httpHost: value('httpHost'),
    prefsFile: value('prefsFile'),
    sighup: value('sighup'),
    shutdownDelaySeconds: value('shutdownDelaySeconds'),
    drainSeconds: value('drainSeconds'),
    killGraceMs: value('killGraceMs'),
    stopSignal: value('stopSignal'),
  };
}

// ---- signals ----

/** Sends `signal`; a refusal is said with who owns the process. */
function send(found: Found, signal: NodeJS.Signals): { readonly ok: true } | { readonly ok: false; readonly gone: boolean; readonly message: string } {
  try {
    process.kill(found.pid, signal);
    return { ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return { ok: false, gone: true, message: `podvisor (${whereFound(found)}) is gone: it exited` };
    if (code === 'EPERM') {
      const owner = readProcessStatus(found.pid)?.uid;
      const ownerText = owner === undefined ? 'another user' : `uid ${owner}`;
      const hint = owner === undefined ? '' : `; run podvisor ctl as uid ${owner} (or as root)`;
      return { ok: false, gone: false, message: `not allowed to send ${signal} to podvisor (${whereFound(found)}): it runs as ${ownerText}, podvisor ctl as uid ${process.getuid?.() ?? '?'}${hint}` };
    }
    return { ok: false, gone: false, message: `cannot send ${signal} to podvisor (${whereFound(found)}): ${code ?? String(error)}` };
  }
}

/** Waits until the kernel has delivered `signal` to podvisor's handler (it is no longer pending), or podvisor is gone. */
async function delivered(found: Found, signal: NodeJS.Signals): Promise<boolean> {
  const number = constants.signals[signal];
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  for (;;) {
    const processStatus = readProcessStatus(found.pid);
    if (processStatus === undefined || !isPending(processStatus, number)) return true;
    if (Date.now() > deadline) return false;
    await sleep(1);
  }
}


// ---- /status ----

type Seen = StatusDocument | 'gone' | undefined;

/** /status now: the document, `gone` when nothing answers and podvisor has exited, undefined when unreadable. */
async function currentStatus(found: Found, address: StatusAddress): Promise<Seen> {
  const answer = await fetchStatus(address, STATUS_TIMEOUT_MS);
  if (answer.ok) return parseStatusDocument(answer.body);
  return answer.refused && !isAlive(found.pid) ? 'gone' : undefined;
}

/** Asks /status until `done` holds or `timeoutMs` passed; returns the last answer seen. */
async function waitForStatus(found: Found, address: StatusAddress, done: (seen: StatusDocument | 'gone') => boolean, timeoutMs: number): Promise<Seen> {
  const deadline = Date.now() + timeoutMs;
  let seen: Seen;
  for (;;) {
    const now = await currentStatus(found, address);
    if (now !== undefined) seen = now;
    if ((now !== undefined && done(now)) || now === 'gone' || Date.now() >= deadline) return seen;
    await sleep(POLL_INTERVAL_MS);
  }
}

function shownState(seen: Seen): string {
  return seen === undefined ? 'no readable /status' : seen === 'gone' ? 'podvisor exited' : `state ${seen.state}`;
}

// ---- the subcommands ----

async function status(found: Found, address: StatusAddress | undefined, json: boolean): Promise<number> {
  if (address === undefined) {
    // No port, no /status: what /proc says.
    const servers = readChildren(found.pid).map(({ pid }) => ({ pid, commandLine: readCommandLine(pid) ?? [] }));
    if (json) {
      say(JSON.stringify({ podvisorPid: found.pid, httpPort: 0, serverPids: servers.map((server) => server.pid) }));
    } else {
      say(`podvisor (${whereFound(found)}): its HTTP port is off (PODVISOR_HTTP_PORT=0), so there is no /status to show`);
      if (servers.length === 0) say('  server    none running');
      for (const server of servers) say(`  server    pid ${server.pid} (${shownCommandLine(server.commandLine)})`);
    }
    return 0;
  }
  const answer = await fetchStatus(address, STATUS_TIMEOUT_MS);
  if (!answer.ok) return fail(`podvisor runs (${whereFound(found)}), but its /status cannot be read: ${answer.message}`);
  if (json) {
    process.stdout.write(answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`);
    return 0;
  }
  const document = parseStatusDocument(answer.body);
  if (document === undefined) return fail(`${shownAddress(address)} answered /status with something that is not podvisor's: ${answer.body.slice(0, 200)}`);
  process.stdout.write(statusText(document, found));
  return 0;
}

async function restart(found: Found, address: StatusAddress | undefined, settings: TargetSettings): Promise<number> {
  const before = address === undefined ? undefined : await currentStatus(found, address);
  if (before === 'gone') return fail(`podvisor (${whereFound(found)}) is gone: it exited`);
  // SIGINT while the server is being stopped would not restart it: during a shutdown it cuts the shutdown delay
  // short, and a second one within 3 s of a first shuts podvisor down (Ctrl-C twice).
  if (before !== undefined && (before.state === 'shutting_down' || before.state === 'stopped')) {
    return fail(`not restarting: podvisor (${whereFound(found)}) is stopping the server already (state ${before.state}: a restart or a shutdown is under way); try again once it runs`);
  }
  const sent = send(found, 'SIGINT');
  if (!sent.ok) return fail(sent.message);
  const sentAt = Date.now();
  say(`SIGINT sent to podvisor (${whereFound(found)}): restarting the server${before?.pid == null ? '' : ` (pid ${before.pid})`}`);
  let status = 0;
  if (address === undefined || before === undefined) {
    say(address === undefined ? 'its HTTP port is off (PODVISOR_HTTP_PORT=0): the restart cannot be followed' : 'its /status could not be read before: the restart cannot be followed');
  } else {
    const baseline = { restarts: before.restarts, pid: before.pid };
    // The old server has the drain deadline to end; then the restart delay and the new server's start.
    const stopBoundMs = settings.drainSeconds * 1000 + settings.killGraceMs + 5000;
    const underWay = await waitForStatus(found, address, (seen) => restartProgress(baseline, seen) !== 'not_yet', stopBoundMs);
    const progress = underWay === undefined ? 'not_yet' : restartProgress(baseline, underWay);
    if (progress === 'gone') status = fail('podvisor exited when the server ended (its restart policy or prefs did not restart it)');
    else if (progress === 'not_yet') status = fail(`/status shows no restart after ${shownDuration(stopBoundMs / 1000)} (${shownState(underWay)})`);
    else {
      const backoffMs = typeof underWay === 'object' ? underWay.backoffSeconds * 1000 : 0;
      const running = await waitForStatus(found, address, (seen) => restartProgress(baseline, seen) !== 'under_way', backoffMs + 15_000);
      const last = running === undefined ? 'not_yet' : restartProgress(baseline, running);
      if (last === 'running' && typeof running === 'object') say(`the server runs again: pid ${running.pid ?? '?'} (was ${before.pid ?? 'none'}), restarts ${running.restarts}`);
      else if (last === 'gone') status = fail('podvisor exited during the restart');
      else say(`the server is restarting (${shownState(running)}): not running yet`);
    }
  }
  // Never return within 3 s of the SIGINT: another restart right after this one would be Ctrl-C twice, a shutdown.
  await sleep(Math.max(0, SECOND_SIGINT_WINDOW_MS - (Date.now() - sentAt)));
  return status;
}

function reload(found: Found, settings: TargetSettings): number {
  const sent = send(found, 'SIGHUP');
  if (!sent.ok) return fail(sent.message);
  const prefs = settings.prefsFile === undefined ? 'it has no prefs file to re-read (PODVISOR_PREFS_FILE is not set)' : `it re-reads its prefs file ${settings.prefsFile}`;
  const forward = settings.sighup === 'forward' ? 'and passes SIGHUP on to the server' : 'and does not pass SIGHUP on (PODVISOR_SIGHUP=reload)';
  say(`SIGHUP sent to podvisor (${whereFound(found)}): ${prefs} ${forward}`);
  return 0;
}

async function stop(found: Found, address: StatusAddress | undefined, settings: TargetSettings, now: boolean): Promise<number> {
  const sent = send(found, 'SIGTERM');
  if (!sent.ok) return fail(sent.message);
  if (now) {
    // Linux delivers pending signals lowest number first: a SIGINT pending beside the SIGTERM would come first and
    // restart the server instead. Only once the SIGTERM has reached podvisor does the SIGINT cut the delay short.
    if (!(await delivered(found, 'SIGTERM'))) return fail(`SIGTERM sent to podvisor (${whereFound(found)}), but still pending after ${DELIVERY_TIMEOUT_MS} ms (is podvisor stopped?): the SIGINT of --now was not sent`);
    const cut = send(found, 'SIGINT');
    if (!cut.ok && !cut.gone) return fail(cut.message);
  }
  const stopSignal = settings.stopSignal ?? 'SIGTERM';
  const drain = `at most ${shownDuration(settings.drainSeconds + settings.killGraceMs / 1000)} to end before SIGKILL`;
  const plan = now || settings.shutdownDelaySeconds === 0
    ? `the server gets ${stopSignal} now and has ${drain}`
    : `not ready at once; the server serves on for the shutdown delay (${shownDuration(settings.shutdownDelaySeconds)}), then gets ${stopSignal} and has ${drain}`;
  say(`${now ? 'SIGTERM, then SIGINT,' : 'SIGTERM'} sent to podvisor (${whereFound(found)}): shutting down${now ? ' now' : ''}: ${plan}`);
  if (address === undefined) return 0;
  const seen = await waitForStatus(found, address, shutdownBegun, SHUTDOWN_SEEN_TIMEOUT_MS);
  if (seen === 'gone') say('podvisor has exited');
  else if (seen !== undefined && shutdownBegun(seen)) say(`podvisor is shutting down (state ${seen.state})`);
  else return fail(`/status does not show the shutdown after ${SHUTDOWN_SEEN_TIMEOUT_MS / 1000} s (${shownState(seen)})`);
  return 0;
}
