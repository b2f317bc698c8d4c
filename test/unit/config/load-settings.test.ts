import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings, readSetting } from '../../../src/config/load-settings.ts';

describe('loadSettings: defaults', () => {
  it('reads every documented default', () => {
    const result = loadSettings({}, {});
    assert.ok(result.ok);
    const { settings } = result;
    assert.equal(settings.restartPolicy, 'dss');
    assert.equal(settings.restartDelayMs, 1000);
    assert.equal(settings.drainSeconds, 5);
    assert.equal(settings.httpPort, 9464);
    assert.equal(settings.httpHost, '0.0.0.0');
    assert.equal(settings.logLevel, 'info');
    assert.equal(settings.readinessTimeoutMs, 60000);
    assert.deepEqual(settings.readiness, { kind: 'auto' });
    assert.deepEqual(settings.restartOnLog, { kind: 'level', threshold: 'fatal' });
    assert.equal(settings.kubernetes, 'auto');
    assert.equal(settings.statusIntervalSeconds, 0);
    assert.equal(settings.pidFile, undefined);
    assert.equal(settings.prefsFile, undefined);
  });
  it('a flag overrides the environment', () => {
    const result = loadSettings({ PODVISOR_DRAIN_SECONDS: '9' }, { PODVISOR_DRAIN_SECONDS: '2.5' });
    assert.ok(result.ok);
    assert.equal(result.settings.drainSeconds, 2.5);
  });
  it('parses the structured settings', () => {
    const result = loadSettings(
      { PODVISOR_READINESS: 'tcp:8080', PODVISOR_RESTART_ON_LOG: 'regex:^BOOM', PODVISOR_AUTO_RESTART: 'false' },
      { PODVISOR_HTTP_PORT: '0' },
    );
    assert.ok(result.ok);
    assert.deepEqual(result.settings.readiness, { kind: 'tcp', host: '127.0.0.1', port: 8080 });
    assert.equal(result.settings.restartOnLog.kind, 'regex');
    assert.equal(result.settings.autoRestart, false);
    assert.equal(result.settings.httpPort, 0);
    const http = loadSettings({ PODVISOR_READINESS: 'http://127.0.0.1:8080/ready' }, {});
    assert.ok(http.ok);
    assert.equal(http.settings.readiness.kind === 'http' && http.settings.readiness.url.href, 'http://127.0.0.1:8080/ready');
  });
});

describe('loadSettings: twenty kinds of bad configuration, each named with its value and what is accepted', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown policy', { PODVISOR_RESTART_POLICY: 'sometimes' }, /PODVISOR_RESTART_POLICY="sometimes".*accepted: dss \| always \| on-failure \| never/],
    ['negative delay', { PODVISOR_RESTART_DELAY_MS: '-5' }, /PODVISOR_RESTART_DELAY_MS="-5".*an integer 0–2147483647/],
    ['fractional delay', { PODVISOR_RESTART_DELAY_MS: '1.5' }, /PODVISOR_RESTART_DELAY_MS="1.5"/],
    ['delay that is a word', { PODVISOR_RESTART_DELAY_MS: 'soon' }, /PODVISOR_RESTART_DELAY_MS="soon"/],
    ['negative drain', { PODVISOR_DRAIN_SECONDS: '-3' }, /PODVISOR_DRAIN_SECONDS="-3".*a number 0–2147483.647/],
    ['port out of range', { PODVISOR_HTTP_PORT: '70000' }, /PODVISOR_HTTP_PORT="70000".*0–65535/],
    ['negative port', { PODVISOR_HTTP_PORT: '-1' }, /PODVISOR_HTTP_PORT="-1"/],
    ['unknown log level', { PODVISOR_LOG_LEVEL: 'loud' }, /PODVISOR_LOG_LEVEL="loud".*fatal \| error/],
    ['unknown log rule', { PODVISOR_RESTART_ON_LOG: 'warn' }, /PODVISOR_RESTART_ON_LOG="warn".*regex:<pattern>/],
    ['empty regex', { PODVISOR_RESTART_ON_LOG: 'regex:' }, /the regex is empty/],
    ['unknown readiness', { PODVISOR_READINESS: 'ping:3' }, /PODVISOR_READINESS="ping:3".*tcp:<port>/],
    ['readiness port out of range', { PODVISOR_READINESS: 'tcp:0' }, /PODVISOR_READINESS="tcp:0".*1–65535/],
    ['readiness URL that does not parse', { PODVISOR_READINESS: 'http:not a url' }, /PODVISOR_READINESS="http:not a url".*does not parse/],
    ['auto restart that is not a boolean', { PODVISOR_AUTO_RESTART: 'yes' }, /PODVISOR_AUTO_RESTART="yes".*true \| false/],
    ['unknown Kubernetes mode', { PODVISOR_KUBERNETES: 'maybe' }, /PODVISOR_KUBERNETES="maybe".*auto \| on \| off/],
    ['negative start-limit burst', { PODVISOR_START_LIMIT_BURST: '-1' }, /PODVISOR_START_LIMIT_BURST="-1"/],
    ['zero start-limit interval', { PODVISOR_START_LIMIT_INTERVAL_MS: '0' }, /PODVISOR_START_LIMIT_INTERVAL_MS="0".*an integer 1–/],
    ['negative status interval', { PODVISOR_STATUS_INTERVAL_SECONDS: '-1' }, /PODVISOR_STATUS_INTERVAL_SECONDS="-1"/],
    ['a status line every nanosecond (field: 2,610 lines in 2.5 s)', { PODVISOR_STATUS_INTERVAL_SECONDS: '1e-9' }, /PODVISOR_STATUS_INTERVAL_SECONDS="1e-9".*0 \(off\) or at least 0\.1 s/],
    ['readiness URL with credentials (fetch refuses it: every probe would fail)', { PODVISOR_READINESS: 'http://u:p@127.0.0.1:8080/' }, /PODVISOR_READINESS=.*must not hold credentials/],
    ['readiness IPv6 host without brackets', { PODVISOR_READINESS: 'tcp:::1:8080' }, /PODVISOR_READINESS="tcp:::1:8080".*in brackets/],
    ['readiness with an empty host', { PODVISOR_READINESS: 'tcp:[]:8080' }, /PODVISOR_READINESS="tcp:\[\]:8080".*the host is empty/],
    ['back-off maximum below the first delay', { PODVISOR_RESTART_DELAY_MS: '5000', PODVISOR_RESTART_BACKOFF_MAX_MS: '100' }, /PODVISOR_RESTART_BACKOFF_MAX_MS=100 is below PODVISOR_RESTART_DELAY_MS=5000/],
    ['empty readiness timeout', { PODVISOR_READINESS_TIMEOUT_MS: '' }, /PODVISOR_READINESS_TIMEOUT_MS=""/],
  ];
  for (const [name, environment, expected] of cases) {
    it(name, () => {
      const result = loadSettings(environment, {});
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.errors.join('\n'), expected);
    });
  }
  it('reports every bad setting at once', () => {
    const result = loadSettings({ PODVISOR_RESTART_POLICY: 'x', PODVISOR_DRAIN_SECONDS: '-1', PODVISOR_HTTP_PORT: '99999' }, { PODVISOR_LOG_LEVEL: 'nope' });
    assert.equal(result.ok, false);
    const errors = result.ok ? [] : result.errors;
    assert.equal(errors.length, 4);
    assert.match(errors.join('\n'), /PODVISOR_LOG_LEVEL="nope" \(from --log-level\)/);
  });
});

describe('loadSettings: every duration is finite and fits a Node timer (2^31−1 ms) after conversion', () => {
  const milliseconds = ['PODVISOR_RESTART_DELAY_MS', 'PODVISOR_RESTART_BACKOFF_MAX_MS', 'PODVISOR_STABLE_AFTER_MS', 'PODVISOR_START_LIMIT_INTERVAL_MS', 'PODVISOR_KILL_GRACE_MS', 'PODVISOR_READINESS_TIMEOUT_MS', 'PODVISOR_KUBERNETES_SHUTDOWN_WAIT_MS'];
  const seconds = ['PODVISOR_DRAIN_SECONDS', 'PODVISOR_STATUS_INTERVAL_SECONDS'];
  const badForBoth = ['Infinity', '-Infinity', 'NaN', '-1', '1e400', '0x10', '', ' ', '1_000'];
  const cases: Array<[string, string]> = [
    ...milliseconds.flatMap((name) => [...badForBoth, '3e9', '3000000000', '2147483648', '1.5', '1e3'].map((value): [string, string] => [name, value])),
    ...seconds.flatMap((name) => [...badForBoth, '2147484', '2147483.648', '3e9', '1e7'].map((value): [string, string] => [name, value])),
  ];
  for (const [name, value] of cases) {
    it(`${name}=${JSON.stringify(value)} is refused, naming the setting and the value`, () => {
      const result = loadSettings({ [name]: value }, {});
      assert.equal(result.ok, false, `${name}=${value} was accepted`);
      const errors = result.ok ? [] : result.errors;
      assert.ok(errors.some((error) => error.startsWith(`${name}=${JSON.stringify(value)} is not valid`)), errors.join('\n'));
    });
  }
  it('the longest durations a timer holds are accepted', () => {
    const environment: Record<string, string> = Object.fromEntries([...milliseconds.map((name) => [name, '2147483647']), ['PODVISOR_STATUS_INTERVAL_SECONDS', '2147483.647'], ['PODVISOR_DRAIN_SECONDS', '0'], ['PODVISOR_KILL_GRACE_MS', '2147483647']]);
    const result = loadSettings(environment, {});
    assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    assert.equal(result.settings.restartDelayMs, 2147483647);
    assert.equal(result.settings.statusIntervalSeconds, 2147483.647);
  });
  it('fractions and exponents of seconds are accepted', () => {
    const result = loadSettings({ PODVISOR_DRAIN_SECONDS: '0.25', PODVISOR_STATUS_INTERVAL_SECONDS: '3e2' }, {});
    assert.ok(result.ok);
    assert.equal(result.settings.drainSeconds, 0.25);
    assert.equal(result.settings.statusIntervalSeconds, 300);
  });
  it('the drain and the kill grace share one timer: their sum must fit it too', () => {
    const result = loadSettings({ PODVISOR_DRAIN_SECONDS: '2000000', PODVISOR_KILL_GRACE_MS: '2000000000' }, {});
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.errors.join('\n'), /PODVISOR_DRAIN_SECONDS=2000000 plus PODVISOR_KILL_GRACE_MS=2000000000 is longer than 2147483647 ms/);
  });
});

describe('readSetting: one setting, as loadSettings reads it, whatever the others say', () => {
  const cases: ReadonlyArray<[string, Parameters<typeof readSetting>, ReturnType<typeof readSetting>]> = [
    ['the default', ['httpPort', {}, {}], { ok: true, value: 9464 }],
    ['from the environment, another setting bad', ['httpPort', { PODVISOR_HTTP_PORT: '9000', PODVISOR_DRAIN_SECONDS: '-1' }, {}], { ok: true, value: 9000 }],
    ['the flag wins', ['httpHost', { PODVISOR_HTTP_HOST: '10.0.0.1' }, { PODVISOR_HTTP_HOST: '::' }], { ok: true, value: '::' }],
    ['a default that depends on the pod', ['shutdownDelaySeconds', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, {}], { ok: true, value: 5 }],
    ['unset optional', ['pidFile', {}, {}], { ok: true, value: undefined }],
    ['a bad value, named as loadSettings names it', ['httpPort', { PODVISOR_HTTP_PORT: 'x' }, {}], { ok: false, message: 'PODVISOR_HTTP_PORT="x" is not valid; accepted: an integer 0–65535 (0 = no HTTP listener)' }],
  ];
  for (const [name, args, expected] of cases) {
    it(name, () => assert.deepEqual(readSetting(...args), expected));
  }
});

describe('loadSettings: readiness hosts', () => {
  it('tcp:[::1]:PORT is the IPv6 loopback, without the brackets (field: the brackets were kept and every probe failed)', () => {
    const result = loadSettings({ PODVISOR_READINESS: 'tcp:[::1]:8080' }, {});
    assert.ok(result.ok);
    assert.deepEqual(result.settings.readiness, { kind: 'tcp', host: '::1', port: 8080 });
  });
  it('a status interval of 0.1 s is accepted', () => {
    const result = loadSettings({ PODVISOR_STATUS_INTERVAL_SECONDS: '0.1' }, {});
    assert.ok(result.ok);
  });
});
