/**
 * Log throughput through podvisor against the same server writing to the same pipe directly, in one run.
 * Two servers: "pino" (test/fixtures/output-pino-flood.ts: a Node server logging ~170-byte request lines with
 * pino in a loop, as fast as pino goes) and "buffers" (test/fixtures/output-log-flood.ts: pre-formatted
 * pino/logfmt/nginx/log4j lines written 64 KiB at a time — no real server logs this fast; it shows the
 * ceiling of the pass-through itself). "direct": the server writes into a pipe this process drains;
 * "podvisor": podvisor runs it with the error-log rule on (PODVISOR_RESTART_ON_LOG=fatal, every line
 * classified and counted, metrics served) and passes every byte into that pipe. Throughput is bytes over the
 * time from the first byte read to the last; direct and podvisor trials alternate. A third trial runs podvisor with a
 * regex rule instead (REGEX_RULE below, matching none of the lines, so every line is decoded and scanned in
 * full): its extra time per line over the level rule is the regex rule's per-line cost. A fourth runs podvisor with
 * its stdout and stderr on the same pipe (`2>&1`), where the server gets one pipe for both (docs/output.md, "Two
 * streams in one file or terminal").
 * node bench/log-throughput.bench.ts [TRIALS] [MEGABYTES]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, NODE, PODVISOR } from './lib/subjects.ts';
import { freePort } from '../test/helpers/podvisor-process.ts';

const TRIALS = Number(process.argv[2] ?? 7);
const MEGABYTES = Number(process.argv[3] ?? 128);
const BYTES = MEGABYTES * 1024 * 1024;
const SERVERS = {
  pino: { fixture: join(FIXTURES, 'output-pino-flood.ts'), describe: 'a server logging ~170-byte lines with pino in a loop' },
  buffers: { fixture: join(FIXTURES, 'output-log-flood.ts'), describe: 'pre-formatted ~150-byte lines written 64 KiB at a time (the pass-through ceiling)' },
} as const;
type ServerName = keyof typeof SERVERS;
/** A rule as an operator would write it: a few alternatives, none of which the flood's lines contain. */
const REGEX_RULE = 'regex:OutOfMemoryError|panic: |FATAL ERROR|Segmentation fault';
type Through = 'direct' | 'podvisor' | 'podvisor-regex' | 'podvisor-combined';


/** MB/s (10^6 bytes) from the first byte read to the last, the byte count, and the seconds per line. */
async function trial(serverName: ServerName, through: Through): Promise<{ rate: number; bytes: number; secondsPerLine: number }> {
  const server = [NODE, SERVERS[serverName].fixture, '--bytes', String(BYTES)];
  const supervised = [PODVISOR, '--', ...server];
  const argv = through === 'direct' ? server : through === 'podvisor-combined' ? ['sh', '-c', 'exec "$0" "$@" 2>&1', ...supervised] : supervised;
  const [file, ...args] = argv as [string, ...string[]];
  const env = { ...process.env, PODVISOR_RESTART_ON_LOG: through === 'podvisor-regex' ? REGEX_RULE : 'fatal', PODVISOR_HTTP_PORT: String(await freePort()), PODVISOR_HTTP_HOST: '127.0.0.1', PODVISOR_KUBERNETES: 'off', PODVISOR_LOG_LEVEL: 'warn' };
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let received = 0;
  let lines = 0;
  let first = 0;
  let last = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    if (received === 0) first = performance.now();
    received += chunk.length;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, newline + 1)) lines++;
    last = performance.now();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new Error(`${serverName} ${through}: exited ${code}`);
  return { rate: received / 1e6 / ((last - first) / 1000), bytes: received, secondsPerLine: (last - first) / 1000 / lines };
}

const rows: BenchRow[] = [];
for (const serverName of Object.keys(SERVERS) as ServerName[]) {
  const direct: number[] = [];
  const podvisor: number[] = [];
  const ratios: number[] = [];
  const regex: number[] = [];
  const regexCostsNs: number[] = [];
  const combined: number[] = [];
  // One warm-up of each (file cache, JIT), not counted.
  const { bytes } = await trial(serverName, 'direct');
  await trial(serverName, 'podvisor');
  for (let index = 0; index < TRIALS; index++) {
    const straight = await trial(serverName, 'direct');
    const through = await trial(serverName, 'podvisor');
    const matched = await trial(serverName, 'podvisor-regex');
    const joined = await trial(serverName, 'podvisor-combined');
    if (straight.bytes !== bytes || through.bytes !== bytes || matched.bytes !== bytes || joined.bytes !== bytes) {
      throw new Error(`${serverName}: ${through.bytes} bytes through podvisor, ${matched.bytes} with the regex rule, ${joined.bytes} combined, ${straight.bytes} direct, expected ${bytes}`);
    }
    combined.push(joined.rate);
    direct.push(straight.rate);
    podvisor.push(through.rate);
    regex.push(matched.rate);
    ratios.push(through.rate / straight.rate);
    regexCostsNs.push((matched.secondsPerLine - through.secondsPerLine) * 1e9);
    progress(`${serverName} ${index + 1}/${TRIALS}: direct ${straight.rate.toFixed(0)} MB/s, podvisor ${through.rate.toFixed(0)} MB/s (${(through.rate / straight.rate).toFixed(2)}×), regex rule ${matched.rate.toFixed(0)} MB/s (+${((matched.secondsPerLine - through.secondsPerLine) * 1e9).toFixed(0)} ns a line), stdout and stderr one pipe ${joined.rate.toFixed(0)} MB/s`);
  }
  const metric = `log throughput (${serverName}) → pipe`;
  rows.push(
    row('direct', metric, 'MB/s', direct, { note: `${(bytes / 1e6).toFixed(0)} MB: ${SERVERS[serverName].describe}` }),
    row('podvisor', metric, 'MB/s', podvisor, { note: 'PODVISOR_RESTART_ON_LOG=fatal: every line classified and counted' }),
    // The goals of the issue on podvisor's cost (docs/performance.md): a real server's logging barely slowed, the flood of pre-formatted writes at least halved.
    row('podvisor', `log throughput (${serverName}): ratio to direct, paired trials`, '×', ratios, { goal: serverName === 'pino' ? '≥ 0.95' : '≥ 0.5' }),
    row('podvisor', `log throughput (${serverName}) → pipe, regex rule`, 'MB/s', regex, { note: `PODVISOR_RESTART_ON_LOG=${REGEX_RULE}: every line decoded and scanned` }),
    row('podvisor', `regex rule: extra time a line (${serverName}), paired trials`, 'ns', regexCostsNs, { note: 'time per line with the regex rule minus with the level rule' }),
    row('podvisor', `log throughput (${serverName}) → pipe, podvisor's stdout and stderr one pipe`, 'MB/s', combined, { note: 'the server gets one pipe for both streams (stream="combined")' }),
  );
}
printResult('log-throughput', rows);
