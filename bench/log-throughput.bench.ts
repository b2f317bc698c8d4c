/**
 * Log throughput: a server floods stdout with realistic log lines (test/fixtures/output-log-flood.ts, ~150-byte
 * pino/logfmt/nginx/log4j lines) into a pipe this process drains. "direct": the server writes to that pipe
 * itself; "podvisor": podvisor runs it with the error-log rule on (PODVISOR_RESTART_ON_LOG=fatal, lines
 * classified and counted, metrics served) and passes every byte to the same pipe. Throughput is the bytes
 * over the time from the first byte read to the last; trials alternate between the two.
 * node bench/log-throughput.bench.ts [TRIALS] [MEGABYTES]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, NODE, PODVISOR } from './lib/subjects.ts';

const TRIALS = Number(process.argv[2] ?? 7);
const MEGABYTES = Number(process.argv[3] ?? 256);
const BYTES = MEGABYTES * 1024 * 1024;
const FLOOD = join(FIXTURES, 'output-log-flood.ts');
const METRIC = 'throughput: server log lines → pipe';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** MB/s (10^6 bytes) from the first byte read to the last. */
async function trial(through: 'direct' | 'podvisor'): Promise<number> {
  const server = [NODE, FLOOD, '--bytes', String(BYTES)];
  const [file, ...args] = (through === 'direct' ? server : [PODVISOR, '--', ...server]) as [string, ...string[]];
  const env = { ...process.env, PODVISOR_RESTART_ON_LOG: 'fatal', PODVISOR_HTTP_PORT: String(await freePort()), PODVISOR_HTTP_HOST: '127.0.0.1', PODVISOR_KUBERNETES: 'off', PODVISOR_LOG_LEVEL: 'warn' };
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let received = 0;
  let first = 0;
  let last = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    if (received === 0) first = performance.now();
    received += chunk.length;
    last = performance.now();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new Error(`${through}: exited ${code}`);
  if (received !== BYTES) throw new Error(`${through}: received ${received} bytes, expected ${BYTES}`);
  return BYTES / 1e6 / ((last - first) / 1000);
}

const results: Record<'direct' | 'podvisor', number[]> = { direct: [], podvisor: [] };
const ratios: number[] = [];
// One warm-up of each (file cache, JIT of the fixture), not counted.
await trial('direct');
await trial('podvisor');
for (let index = 0; index < TRIALS; index++) {
  const direct = await trial('direct');
  const podvisor = await trial('podvisor');
  results.direct.push(direct);
  results.podvisor.push(podvisor);
  ratios.push(podvisor / direct);
  progress(`trial ${index + 1}/${TRIALS}: direct ${direct.toFixed(0)} MB/s, podvisor ${podvisor.toFixed(0)} MB/s (${(podvisor / direct).toFixed(2)}×)`);
}

const rows: BenchRow[] = [
  row('direct', METRIC, 'MB/s', results.direct, { note: `${MEGABYTES} MiB of ~150-byte lines, server writes to the pipe itself` }),
  row('podvisor', METRIC, 'MB/s', results.podvisor, { goal: '≥ 0.8× direct', note: 'PODVISOR_RESTART_ON_LOG=fatal: every line classified and counted' }),
  row('podvisor', 'throughput ratio to direct (paired trials)', '×', ratios, { goal: '≥ 0.8' }),
];
printResult('log-throughput', rows);
