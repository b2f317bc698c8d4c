import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyLine, classifyText, pinoLevel, type LineLevel } from '../../../src/output/classify-line.ts';

/** [line, level]: real lines in every format podvisor reads, and look-alikes that carry a level word elsewhere. */
const TABLE: ReadonlyArray<readonly [string, LineLevel]> = [
  // pino / bunyan numeric levels
  ['{"level":60,"time":1764117300000,"pid":7,"hostname":"pod","msg":"boom"}', 'fatal'],
  ['{"level":50,"msg":"failed"}', 'error'],
  ['{"level":40,"msg":"slow"}', 'warn'],
  ['{"level":30,"msg":"ok"}', 'info'],
  ['{"level":20,"msg":"dbg"}', 'debug'],
  ['{"level":10,"msg":"trc"}', 'trace'],
  ['{"level":70,"msg":"custom level above fatal"}', 'fatal'],
  ['{ "time": 1, "level" : 60 , "msg": "spaces around"}', 'fatal'],
  ['{"time":1,"req":{"id":1,"headers":{"a":"}"}},"level":60}', 'fatal'],
  // JSON level / severity strings
  ['{"level":"fatal","msg":"x"}', 'fatal'],
  ['{"level":"CRITICAL","msg":"x"}', 'fatal'],
  ['{"severity":"EMERGENCY","message":"x"}', 'fatal'],
  ['{"severity":"ALERT","message":"x"}', 'fatal'],
  ['{"level":"panic","msg":"x"}', 'fatal'],
  ['{"level":"error","msg":"x"}', 'error'],
  ['{"severity":"ERROR","message":"x"}', 'error'],
  ['{"level":"dpanic","msg":"x"}', 'error'],
  ['{"level":"warning","msg":"x"}', 'warn'],
  ['{"severity":"NOTICE","message":"x"}', 'info'],
  ['{"log.level":"error","message":"ECS"}', 'error'],
  ['{"ts":1,"lvl":"crit","msg":"x"}', 'fatal'],
  ['{"severity":"DEFAULT","message":"x"}', 'unknown'],
  // logfmt
  ['level=fatal msg="database gone"', 'fatal'],
  ['time=2026-11-26T00:35:00Z level=ERROR msg="x" err="y"', 'error'],
  ['time="2026-11-26T00:35:00Z" level=panic msg=boom', 'fatal'],
  ['ts=1 lvl=warn msg=x', 'warn'],
  ['level="critical" msg=x', 'fatal'],
  ['time=1 msg="no level here"', 'unknown'],
  // nginx
  ['2026/11/26 00:35:00 [emerg] 1234#1234: unknown directive "bogus" in /etc/nginx/nginx.conf:3', 'fatal'],
  ['nginx: [emerg] bind() to 127.0.0.1:80 failed (98: Address already in use)', 'fatal'],
  ['2026/11/26 00:35:00 [crit] 7#7: *1 open() failed', 'fatal'],
  ['2026/11/26 00:35:00 [alert] 7#7: worker process exited on signal 9', 'fatal'],
  ['2026/11/26 00:35:00 [error] 7#7: *3 open() "/x" failed (2: No such file or directory)', 'error'],
  ['2026/11/26 00:35:00 [warn] 7#7: conflicting server name', 'warn'],
  ['2026/11/26 00:35:00 [notice] 7#7: signal process started', 'info'],
  // Python logging (basicConfig's default format) and uvicorn
  ['CRITICAL:root:cannot continue', 'fatal'],
  ['ERROR:app.db:connection refused', 'error'],
  ['WARNING:root:disk almost full', 'warn'],
  ['INFO:root:started', 'info'],
  ['ERROR:    Exception in ASGI application', 'error'],
  // Go
  ['panic: runtime error: index out of range [3] with length 3', 'fatal'],
  ['fatal error: concurrent map writes', 'fatal'],
  ['E1126 00:35:00.123456    7 controller.go:114] error syncing', 'error'],
  ['F1126 00:35:00.123456    7 main.go:42] cannot start', 'fatal'],
  ['I1126 00:35:00.123456    7 main.go:40] starting', 'info'],
  ['W1126 00:35:00.123456    7 main.go:41] deprecated flag', 'warn'],
  // Java / log4j / logback
  ['2026-11-26 00:35:00,123 FATAL [main] com.example.App - cannot bind', 'fatal'],
  ['2026-11-26T00:35:00.123Z ERROR 7 --- [main] o.s.boot.SpringApplication : failed', 'error'],
  ['00:35:00.123 [main] FATAL com.example.App - out of memory', 'fatal'],
  ['00:35:00.123 [http-nio-8080-exec-1] WARN  c.e.Web - slow request', 'warn'],
  // syslog style
  ['<2>Nov 26 00:35:00 host app[7]: disk failure', 'fatal'],
  ['<3>cannot open socket', 'error'],
  ['<14>Nov 26 00:35:00 host app[7]: FATAL in the message only', 'info'],
  ['app[7]: [CRIT] out of file descriptors', 'fatal'],
  ['EMERG: system is unusable', 'fatal'],
  ['[FATAL] cannot continue', 'fatal'],
  ['[ Error ] padded bracket', 'error'],
  ['FATAL', 'fatal'],
  ['ERROR something failed', 'error'],
  ['Error: ENOENT: no such file or directory', 'error'],
  ['   FATAL: leading blanks are skipped', 'fatal'],
  // look-alikes: a level word outside the level position
  ['{"level":30,"msg":"user typed FATAL"}', 'info'],
  ['{"level":30,"msg":"{\\"level\\":60}"}', 'info'],
  ['{"msg":"\\"level\\":\\"fatal\\"","level":"info"}', 'info'],
  ['{"req":{"level":"fatal"},"level":"info"}', 'info'],
  ['{"msg":"fatal error: not really","level":"debug"}', 'debug'],
  ['{"data":["level","fatal"],"level":30}', 'info'],
  ['{"message":"CRITICAL stuff","severity":"INFO"}', 'info'],
  ['{"msg":"no level at all"}', 'unknown'],
  ['level=info msg="level=fatal"', 'info'],
  ['msg="x" level=info err="fatal error: x"', 'info'],
  ['msg="level=fatal in a quoted value" other=1', 'unknown'],
  ['2026/11/26 00:35:00 [notice] 1#1: signal process started [emerg]', 'info'],
  ['127.0.0.1 - - [26/Nov/2026:00:35:00 +0000] "GET /[emerg] HTTP/1.1" 404 153', 'unknown'],
  ['INFO:root:CRITICAL failure avoided', 'info'],
  ['recovered from panic: nil map', 'unknown'],
  ['goroutine 1 [running]:', 'unknown'],
  ['2026-11-26 00:35:00,123 INFO [main] Foo - FATAL not really', 'info'],
  ['Fatal accident in the sentence', 'unknown'],
  ['Panic at the disco', 'unknown'],
  ['fatalities: 3', 'unknown'],
  ['ERRORS: 0', 'unknown'],
  ['3 FATAL errors in the test report', 'unknown'],
  ['[error-page] configured', 'unknown'],
  ['the FATAL word in the middle', 'unknown'],
  ['request 42 took 3 ms; status=FATAL', 'unknown'],
  ['<html>', 'unknown'],
  ['', 'unknown'],
  ['   ', 'unknown'],
];

describe('classifyLine', () => {
  for (const [line, level] of TABLE) {
    it(`${JSON.stringify(line)} → ${level}`, () => {
      assert.equal(classifyText(line), level);
    });
  }

  it('classifies a slice of a buffer without reading outside it', () => {
    const buffer = Buffer.from('xx{"level":60}\n{"level":30}');
    assert.equal(classifyLine(buffer, 2, 14), 'fatal');
    assert.equal(classifyLine(buffer, 15), 'info');
    // A line cut off inside the level key's value is not guessed at.
    assert.equal(classifyLine(Buffer.from('{"level":"fat')), 'unknown');
    assert.equal(classifyLine(Buffer.from('{"msg":"unterminated')), 'unknown');
  });

  it('reads non-ASCII messages byte for byte', () => {
    assert.equal(classifyText('FATAL: Ünïcödé — 失败'), 'fatal');
    assert.equal(classifyText('{"msg":"失败 FATAL","level":30}'), 'info');
  });
});

describe('pinoLevel', () => {
  const cases: ReadonlyArray<readonly [number, LineLevel]> = [
    [0, 'unknown'],
    [9, 'unknown'],
    [10, 'trace'],
    [19, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [49, 'warn'],
    [50, 'error'],
    [59, 'error'],
    [60, 'fatal'],
    [100, 'fatal'],
    [Number.NaN, 'unknown'],
  ];
  for (const [value, level] of cases) {
    it(`${value} → ${level}`, () => assert.equal(pinoLevel(value), level));
  }
});
