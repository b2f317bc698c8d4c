/**
 * /metrics latency at 200 scrapes a second (p50 and p99 per one-second window; goal p99 ≤ 5 ms), and restart
 * latency (bench-stamp.sh exits at once, delay 0: the interval between its consecutive starts) without and with
 * that scrape load. podvisor runs from dist/ (npm run build).
 * node bench/metrics-latency.bench.ts [SECONDS]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/podvisor-process.ts';
import { get, percentile, scrapeAtRate } from '../test/integration/observability/obs-http.ts';
import { printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, PODVISOR, ROOT, stopChild } from './lib/subjects.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const RATE = 200;
const STAMP = join(FIXTURES, 'bench-stamp.sh');

if (!existsSync(join(ROOT, 'dist', 'podvisor.js'))) throw new Error('dist/podvisor.js is missing: run npm run build first');

function startPodvisor(httpPort: number, command: readonly string[], environment: Record<string, string> = {}): ChildProcess {
  return spawn(PODVISOR, ['--', ...command], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: {
      ...process.env,
      PODVISOR_HTTP_PORT: String(httpPort),
      PODVISOR_HTTP_HOST: '127.0.0.1',
      PODVISOR_LOG_LEVEL: 'warn',
      PODVISOR_KUBERNETES: 'off',
      ...environment,
    },
  });
}


async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if ((await get(port, '/healthz').catch(() => ({ status: 0 }))).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`podvisor's HTTP port ${port} did not answer`);
}

/** Per one-second window of the load, the p50 and p99 of the scrape latencies. */
async function scrapeLatency(port: number, seconds: number): Promise<{ p50: number[]; p99: number[]; errors: number }> {
  const p50: number[] = [];
  const p99: number[] = [];
  let errors = 0;
  for (let second = 0; second < seconds; second += 1) {
    const result = await scrapeAtRate(port, '/metrics', RATE, 1000);
    errors += result.errors.length;
    p50.push(percentile(result.latenciesMs, 0.5));
    p99.push(percentile(result.latenciesMs, 0.99));
  }
  return { p50, p99, errors };
}

/** Intervals in ms between consecutive starts of bench-stamp.sh under podvisor with delay 0, during `run`. */
async function restartIntervals(during: (port: number) => Promise<unknown>): Promise<number[]> {
  const directory = mkdtempSync(join(tmpdir(), 'obs-bench-'));
  const stamps = join(directory, 'stamps');
  const port = await freePort();
  const podvisor = startPodvisor(port, [STAMP, stamps, '1'], { PODVISOR_RESTART_DELAY_MS: '0', PODVISOR_START_LIMIT_BURST: '0' });
  try {
    await waitForPort(port);
    const from = Date.now() * 1e6;
    await during(port);
    const to = Date.now() * 1e6;
    const times = readFileSync(stamps, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number)
      .filter((ns) => ns >= from && ns <= to);
    return times.slice(1).map((ns, index) => (ns - (times[index] as number)) / 1e6);
  } finally {
    await stopChild(podvisor);
    rmSync(directory, { recursive: true, force: true });
  }
}

const rows: BenchRow[] = [];

progress(`metrics-latency: /metrics at ${RATE} req/s for ${SECONDS} s against a steady server`);
{
  const port = await freePort();
  const podvisor = startPodvisor(port, ['sleep', '3600']);
  try {
    await waitForPort(port);
    await scrapeAtRate(port, '/metrics', RATE, 1000);
    const latency = await scrapeLatency(port, SECONDS);
    const note = latency.errors === 0 ? 'per one-second window' : `per one-second window; ${latency.errors} scrapes failed`;
    rows.push(row('podvisor', `/metrics p50 at ${RATE} req/s`, 'ms', latency.p50, { note }));
    rows.push(row('podvisor', `/metrics p99 at ${RATE} req/s`, 'ms', latency.p99, { goal: '≤ 5 ms', note }));
  } finally {
    await stopChild(podvisor);
  }
}

progress(`metrics-latency: restarts with delay 0 for ${SECONDS} s without scrapes`);
rows.push(row('podvisor', 'restart: exit → next start (delay 0), no scrapes', 'ms', await restartIntervals(() => new Promise((resolve) => setTimeout(resolve, SECONDS * 1000)))));

progress(`metrics-latency: restarts with delay 0 for ${SECONDS} s at ${RATE} scrapes/s`);
rows.push(
  row('podvisor', `restart: exit → next start (delay 0), ${RATE} scrapes/s`, 'ms', await restartIntervals((port) => scrapeAtRate(port, '/metrics', RATE, SECONDS * 1000)), {
    goal: 'as without scrapes',
  }),
);

printResult('metrics-latency', rows);
