import env from 'env-var';
import { MAX_TIMER_MS, MAX_TIMER_SECONDS, parseMilliseconds, parseSeconds } from './durations.ts';
import { parseLogRule, type LogRuleSetting } from './log-rule.ts';
import { RESTART_POLICIES, type RestartPolicy } from './restart-policy.ts';
import { parseReadiness, type ReadinessCheck } from './readiness-setting.ts';

/** env-var's reader over the merged environment and flag values. */
export function settingsReader(source: Record<string, string | undefined>) {
  return env.from(source);
}

type Reader = ReturnType<typeof settingsReader>;

/**
 * One configurable value: read from `PODVISOR_<NAME>` or the flag `--<name>` (the flag wins), parsed once
 * with env-var into a plain value. `accepts` is what the error message and --help say is allowed.
 */
export interface SettingDefinition<T> {
  readonly env: string;
  readonly flag: string;
  /** The default as --help and docs/configuration.md show it. */
  readonly defaultValue: string | undefined;
  /** The default when it depends on where podvisor runs (else defaultValue). */
  readonly defaultFor?: (environment: NodeJS.ProcessEnv) => string;
  readonly accepts: string;
  readonly help: string;
  readonly read: (reader: Reader, name: string) => T;
}

function setting<T>(definition: SettingDefinition<T>): SettingDefinition<T> {
  return definition;
}

function integerAtLeast(minimum: number, maximum = Number.MAX_SAFE_INTEGER) {
  return (reader: Reader, name: string): number => {
    const value = reader.get(name).required().asInt();
    if (value < minimum || value > maximum) throw new RangeError('out of range');
    return value;
  };
}

/** A duration in whole milliseconds that a timer can hold (see durations.ts). */
function milliseconds(minimum: number) {
  return (reader: Reader, name: string): number => parseMilliseconds(reader.get(name).required().asString(), minimum);
}

/** A duration in seconds, fractions allowed, that a timer can hold once converted to milliseconds. */
function seconds(reader: Reader, name: string): number {
  return parseSeconds(reader.get(name).required().asString());
}

function optionalString(reader: Reader, name: string): string | undefined {
  const value = reader.get(name).asString();
  return value === undefined || value === '' ? undefined : value;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const KUBERNETES_MODES = ['auto', 'on', 'off'] as const;
export type KubernetesMode = (typeof KUBERNETES_MODES)[number];

export const SIGHUP_MODES = ['forward', 'reload'] as const;
export type SighupMode = (typeof SIGHUP_MODES)[number];

/** The signals PODVISOR_STOP_SIGNAL may name: the ones servers drain on (nginx: SIGQUIT; many: SIGINT). */
export const STOP_SIGNALS = ['SIGTERM', 'SIGQUIT', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const satisfies readonly NodeJS.Signals[];

/** Whether podvisor runs in a Kubernetes pod (the kubelet sets these for every container), for defaults only. */
export function inPod(environment: NodeJS.ProcessEnv): boolean {
  return (environment['KUBERNETES_SERVICE_HOST'] ?? '') !== '';
}

function stopSignal(reader: Reader, name: string): NodeJS.Signals | undefined {
  const text = reader.get(name).asString();
  if (text === undefined || text === '') return undefined;
  const upper = text.toUpperCase();
  const signal = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!(STOP_SIGNALS as readonly string[]).includes(signal)) throw new RangeError('not a signal podvisor can stop the server with');
  return signal as NodeJS.Signals;
}


/** Every setting of podvisor, in the order --help lists them. */
export const SETTINGS = {
  logLevel: setting<LogLevel>({
    env: 'PODVISOR_LOG_LEVEL',
    flag: '--log-level',
    defaultValue: 'info',
    accepts: LOG_LEVELS.join(' | '),
    help: "podvisor's own log level (pino JSON on stderr)",
    read: (reader, name) => reader.get(name).required().asEnum(LOG_LEVELS),
  }),
  restartPolicy: setting<RestartPolicy>({
    env: 'PODVISOR_RESTART_POLICY',
    flag: '--restart-policy',
    defaultValue: 'dss',
    accepts: RESTART_POLICIES.join(' | '),
    help: "when to restart the server (dss: the Darwin Streaming Server's exit-code protocol: 0 and 255 end supervision)",
    read: (reader, name) => reader.get(name).required().asEnum(RESTART_POLICIES),
  }),
  autoRestart: setting<boolean>({
    env: 'PODVISOR_AUTO_RESTART',
    flag: '--auto-restart',
    defaultValue: 'true',
    accepts: 'true | false',
    help: "restart at all; the prefs file's autoRestart overrides it when present",
    read: (reader, name) => reader.get(name).required().asBoolStrict(),
  }),
  prefsFile: setting<string | undefined>({
    env: 'PODVISOR_PREFS_FILE',
    flag: '--prefs-file',
    defaultValue: undefined,
    accepts: 'a path to a JSON or YAML file',
    help: 'prefs file re-read before every restart and on SIGHUP ({"autoRestart": true})',
    read: optionalString,
  }),
  restartDelayMs: setting<number>({
    env: 'PODVISOR_RESTART_DELAY_MS',
    flag: '--restart-delay-ms',
    defaultValue: '1000',
    accepts: `an integer 0–${MAX_TIMER_MS} (milliseconds)`,
    help: 'delay before the first restart',
    read: milliseconds(0),
  }),
  restartBackoffMaxMs: setting<number>({
    env: 'PODVISOR_RESTART_BACKOFF_MAX_MS',
    flag: '--restart-backoff-max-ms',
    defaultValue: '30000',
    accepts: `an integer 0–${MAX_TIMER_MS} (milliseconds), not below the restart delay`,
    help: 'the longest delay the doubling back-off reaches',
    read: milliseconds(0),
  }),
  stableAfterMs: setting<number>({
    env: 'PODVISOR_STABLE_AFTER_MS',
    flag: '--stable-after-ms',
    defaultValue: '60000',
    accepts: `an integer 0–${MAX_TIMER_MS} (milliseconds)`,
    help: 'a server that ran this long resets the back-off',
    read: milliseconds(0),
  }),
  startLimitBurst: setting<number>({
    env: 'PODVISOR_START_LIMIT_BURST',
    flag: '--start-limit-burst',
    defaultValue: '10',
    accepts: 'an integer ≥ 0 (0 = no limit)',
    help: 'restarts allowed within the start-limit interval before podvisor gives up and exits 1',
    read: integerAtLeast(0),
  }),
  startLimitIntervalMs: setting<number>({
    env: 'PODVISOR_START_LIMIT_INTERVAL_MS',
    flag: '--start-limit-interval-ms',
    defaultValue: '300000',
    accepts: `an integer 1–${MAX_TIMER_MS} (milliseconds)`,
    help: 'the window the start limit counts restarts in',
    read: milliseconds(1),
  }),
  drainSeconds: setting<number>({
    env: 'PODVISOR_DRAIN_SECONDS',
    flag: '--drain-seconds',
    defaultValue: '5',
    accepts: `a number 0–${MAX_TIMER_SECONDS} (seconds)`,
    help: 'how long the server may drain after SIGTERM/SIGQUIT/SIGINT or a fatal line',
    read: seconds,
  }),
  killGraceMs: setting<number>({
    env: 'PODVISOR_KILL_GRACE_MS',
    flag: '--kill-grace-ms',
    defaultValue: '1000',
    accepts: `an integer 0–${MAX_TIMER_MS} (milliseconds)`,
    help: 'extra time after the drain before the process group is SIGKILLed',
    read: milliseconds(0),
  }),
  restartOnLog: setting<LogRuleSetting>({
    env: 'PODVISOR_RESTART_ON_LOG',
    flag: '--restart-on-log',
    defaultValue: 'fatal',
    accepts: 'fatal | error | off | regex:<pattern>',
    help: 'a server output line at this level restarts the server (the error-log rule)',
    read: (reader, name) => parseLogRule(reader.get(name).required().asString()),
  }),
  readiness: setting<ReadinessCheck>({
    env: 'PODVISOR_READINESS',
    flag: '--readiness',
    defaultValue: 'auto',
    accepts: 'auto | kit | tcp:<port> | http:<url>',
    help: 'when the server counts as running (auto: the kit reports it, any other server once spawned)',
    read: (reader, name) => parseReadiness(reader.get(name).required().asString()),
  }),
  readinessTimeoutMs: setting<number>({
    env: 'PODVISOR_READINESS_TIMEOUT_MS',
    flag: '--readiness-timeout-ms',
    defaultValue: '60000',
    accepts: `an integer 0–${MAX_TIMER_MS} (milliseconds; 0 = wait forever)`,
    help: 'a server not ready by then is restarted (reason readiness_timeout)',
    read: milliseconds(0),
  }),
  httpPort: setting<number>({
    env: 'PODVISOR_HTTP_PORT',
    flag: '--http-port',
    defaultValue: '9464',
    accepts: 'an integer 0–65535 (0 = no HTTP listener)',
    help: 'port of /metrics, /healthz, /readyz and /status',
    read: integerAtLeast(0, 65535),
  }),
  httpHost: setting<string>({
    env: 'PODVISOR_HTTP_HOST',
    flag: '--http-host',
    defaultValue: '0.0.0.0',
    accepts: 'an address to bind',
    help: 'address the HTTP listener binds',
    read: (reader, name) => reader.get(name).required().asString(),
  }),
  kubernetes: setting<KubernetesMode>({
    env: 'PODVISOR_KUBERNETES',
    flag: '--kubernetes',
    defaultValue: 'auto',
    accepts: KUBERNETES_MODES.join(' | '),
    help: 'record Events and annotations on the Pod (auto: when running in a pod)',
    read: (reader, name) => reader.get(name).required().asEnum(KUBERNETES_MODES),
  }),
  kubernetesShutdownWaitMs: setting<number>({
    env: 'PODVISOR_KUBERNETES_SHUTDOWN_WAIT_MS',
    flag: '--kubernetes-shutdown-wait-ms',
    defaultValue: '1000',
    accepts: `an integer 0–${MAX_TIMER_MS} (milliseconds)`,
    help: 'how long exit waits for pending Kubernetes Events',
    read: milliseconds(0),
  }),
  kubernetesServiceAccountDir: setting<string>({
    env: 'PODVISOR_KUBERNETES_SERVICE_ACCOUNT_DIR',
    flag: '--kubernetes-service-account-dir',
    defaultValue: '/var/run/secrets/kubernetes.io/serviceaccount',
    accepts: 'a directory holding token, ca.crt and namespace',
    help: "where the Pod's service-account token and the cluster CA are mounted",
    read: (reader, name) => reader.get(name).required().asString(),
  }),
  pidFile: setting<string | undefined>({
    env: 'PODVISOR_PID_FILE',
    flag: '--pid-file',
    defaultValue: undefined,
    accepts: 'a path',
    help: "file holding podvisor's pid and the server's while it runs",
    read: optionalString,
  }),
  statusIntervalSeconds: setting<number>({
    env: 'PODVISOR_STATUS_INTERVAL_SECONDS',
    flag: '--status-interval-seconds',
    defaultValue: '0',
    accepts: `0 (off) or a number 0.1–${MAX_TIMER_SECONDS} (seconds)`,
    help: 'log a status line (state, pid, uptime, restarts) this often',
    read: (reader, name) => {
      const value = seconds(reader, name);
      // A status line every nanosecond would be a flood of podvisor's own making.
      if (value !== 0 && value < 0.1) throw new Error('must be 0 (off) or at least 0.1 s');
      return value;
    },
  }),
  shutdownDelaySeconds: setting<number>({
    env: 'PODVISOR_SHUTDOWN_DELAY_SECONDS',
    flag: '--shutdown-delay-seconds',
    defaultValue: '5 in a pod, else 0',
    defaultFor: (environment) => (inPod(environment) ? '5' : '0'),
    accepts: `a number 0–${MAX_TIMER_SECONDS} (seconds)`,
    help: 'after SIGTERM, how long the server serves on (readiness failing) before the stop signal (docs/shutdown.md)',
    read: seconds,
  }),
  stopSignal: setting<NodeJS.Signals | undefined>({
    env: 'PODVISOR_STOP_SIGNAL',
    flag: '--stop-signal',
    defaultValue: 'SIGTERM',
    defaultFor: () => '',
    accepts: STOP_SIGNALS.join(' | '),
    help: 'the signal that stops the server (shutdown, a confirmed fatal line, a readiness timeout); unset, a SIGQUIT is passed on as SIGQUIT',
    read: stopSignal,
  }),
  fatalConfirmSeconds: setting<number>({
    env: 'PODVISOR_FATAL_CONFIRM_SECONDS',
    flag: '--fatal-confirm-seconds',
    defaultValue: '5',
    accepts: `a number 0–${MAX_TIMER_SECONDS} (seconds; 0 = the line alone restarts)`,
    help: 'a fatal line restarts the server only if, within this long, it exits or its health check fails (docs/output.md)',
    read: seconds,
  }),
  sighup: setting<SighupMode>({
    env: 'PODVISOR_SIGHUP',
    flag: '--sighup',
    defaultValue: 'forward',
    accepts: SIGHUP_MODES.join(' | '),
    help: 'SIGHUP to podvisor: re-read the prefs file and pass it on to the server (forward), or only re-read (reload)',
    read: (reader, name) => reader.get(name).required().asEnum(SIGHUP_MODES),
  }),
  terminationMessagePath: setting<string | undefined>({
    env: 'PODVISOR_TERMINATION_MESSAGE_PATH',
    flag: '--termination-message-path',
    defaultValue: '/dev/termination-log',
    accepts: 'a path (the default is written only when it exists and is writable; empty: none)',
    help: "where podvisor writes why it exited, for Kubernetes' termination message (docs/shutdown.md)",
    read: optionalString,
  }),
  terminationGraceSeconds: setting<number | undefined>({
    env: 'PODVISOR_TERMINATION_GRACE_SECONDS',
    flag: '--termination-grace-seconds',
    defaultValue: undefined,
    accepts: `a number 0–${MAX_TIMER_SECONDS} (seconds): the pod's terminationGracePeriodSeconds`,
    help: 'the time the kubelet gives podvisor after SIGTERM; podvisor warns at start when delay + drain + kill grace do not fit',
    read: (reader, name) => {
      const text = reader.get(name).asString();
      return text === undefined || text === '' ? undefined : parseSeconds(text);
    },
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;

export type Settings = {
  readonly [K in SettingKey]: (typeof SETTINGS)[K] extends SettingDefinition<infer T> ? T : never;
};
