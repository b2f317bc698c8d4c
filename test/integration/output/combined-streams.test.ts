import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, freePort, PODVISOR, TEST_ENV } from '../../helpers/podvisor-process.ts';
import { startOnTerminal, type TerminalSession } from '../../helpers/pty.ts';

/** Odd numbers to stdout, even ones to stderr, each flushed as written: 1, 2, 3… when both streams are one file. */
const ALTERNATING = ['awk', 'BEGIN{for(i=1;i<=200;i++) if(i%2){print i>"/dev/stdout";fflush("/dev/stdout")} else {print i>"/dev/stderr";fflush("/dev/stderr")}}'];
const ONE_TO_200 = Array.from({ length: 200 }, (_, index) => String(index + 1));

const scratch = (): string => mkdtempSync(join(tmpdir(), 'podvisor-combined-'));
const isOwnLine = (line: string): boolean => line.startsWith('{"level":');

/** podvisor run to its end with its stdout on `stdoutFile` and its stderr on `stderrFile` (the same path: `>f 2>&1`). */
async function runInto(command: readonly string[], stdoutFile: string, stderrFile: string, env: Readonly<Record<string, string>> = {}): Promise<number> {
  const stdout = openSync(stdoutFile, 'a');
  const stderr = stderrFile === stdoutFile ? stdout : openSync(stderrFile, 'a');
  try {
    const child = spawn(PODVISOR, ['--', ...command], { stdio: ['ignore', stdout, stderr], env: { ...process.env, ...TEST_ENV, ...env } });
    const [code] = (await once(child, 'exit')) as [number | null];
    return code ?? -1;
  } finally {
    closeSync(stdout);
    if (stderr !== stdout) closeSync(stderr);
  }
}

describe('output: when stdout and stderr are one file or terminal, the server keeps its order across them', () => {
  const sessions: TerminalSession[] = [];
  after(() => {
    for (const session of sessions) session.kill();
  });

  it('>f 2>&1: awk writing odd lines to stdout and even ones to stderr shows 1, 2, 3… 200', async () => {
    const file = join(scratch(), 'f');
    assert.equal(await runInto(ALTERNATING, file, file), 0);
    const serverLines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && !isOwnLine(line));
    assert.deepEqual(serverLines, ONE_TO_200);
  });

  it('on a terminal: the same awk shows 1, 2, 3… 200', async () => {
    const session = await startOnTerminal([PODVISOR, '--', ...ALTERNATING], { env: { ...process.env, ...TEST_ENV } });
    sessions.push(session);
    assert.equal(await session.exited(), 0);
    const serverLines = session.screen().split('\r\n').filter((line) => /^\d+$/.test(line));
    assert.deepEqual(serverLines, ONE_TO_200);
  });

  it('two files: each stream to its own, as before (stdout the odd lines, stderr the even ones and podvisor\'s)', async () => {
    const directory = scratch();
    const [out, err] = [join(directory, 'out'), join(directory, 'err')];
    assert.equal(await runInto(ALTERNATING, out, err), 0);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), ONE_TO_200.filter((_, index) => index % 2 === 0));
    const errLines = readFileSync(err, 'utf8').trim().split('\n');
    assert.deepEqual(errLines.filter((line) => !isOwnLine(line)), ONE_TO_200.filter((_, index) => index % 2 === 1));
    assert.ok(errLines.some(isOwnLine), "podvisor's own lines are on stderr");
  });

  it("podvisor's own lines wait for the end of the line the server is writing, across both streams", async () => {
    // The status line (every second) comes while the server is in the middle of "half-" (stderr) … "whole" (stdout).
    const file = join(scratch(), 'f');
    const script = 'sleep 0.8; printf "half-" >&2; sleep 0.6; echo whole; sleep 0.8';
    assert.equal(await runInto(['sh', '-c', script], file, file, { PODVISOR_STATUS_INTERVAL_SECONDS: '1' }), 0);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /\nhalf-whole\n\{"level":[^\n]*"msg":"status"/, text);
    assert.equal(text.includes('\n\n'), false, `no line was broken: ${text}`);
    for (const line of text.split('\n').filter((entry) => entry.includes('"name":"podvisor"'))) assert.ok(isOwnLine(line), `own line at a line start: ${line}`);
  });

  it('lines are counted under stream="combined"', async () => {
    const port = await freePort();
    const file = join(scratch(), 'f');
    const script = 'echo \'{"level":30,"msg":"ok"}\'; echo "ERROR: failed" >&2; echo "level=warn msg=slow" >&2; sleep 30';
    const stdout = openSync(file, 'a');
    const child = spawn(PODVISOR, ['--', 'sh', '-c', script], { stdio: ['ignore', stdout, stdout], env: { ...process.env, ...TEST_ENV, PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
    closeSync(stdout);
    const exited = once(child, 'exit');
    try {
      const series = new Map<string, number>();
      await eventually(async () => {
        const body = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text()).catch(() => '');
        series.clear();
        for (const match of body.matchAll(/^podvisor_log_lines_total\{stream="(\w+)",level="(\w+)"\} (\d+)$/gm)) series.set(`${match[1]} ${match[2]}`, Number(match[3]));
        return series.get('combined error') === 1;
      }, 'podvisor_log_lines_total{stream="combined"}', 15000);
      assert.deepEqual(Object.fromEntries(series), { 'combined info': 1, 'combined error': 1, 'combined warn': 1 });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
