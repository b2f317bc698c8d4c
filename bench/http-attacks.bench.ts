/**
 * podvisor's HTTP port under attack (docs/security.md), beside the quiet figures, in one run: restart latency
 * (bench-stamp.sh exits at once, delay 0: the interval between its consecutive starts), a probe's latency (GET
 * /healthz on a fresh connection, as the kubelet sends it, every 100 ms) and podvisor's peak RSS, with no attack,
 * then with each attack running from a process of its own: (a) 1,000 and 10,000 connections that send a header
 * line a second, re-opened when closed; (b) 30 connections pipelining GET /metrics ×50 a write, never reading.
 * node bench/http-attacks.bench.ts [SECONDS]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Attack, type AttackKind, probe, spawnAttack, watchRss } from '../test/helpers/http-attacks.ts';
import { freePort } from '../test/helpers/podvisor-process.ts';
import { get } from '../test/integration/observability/obs-http.ts';
import { printResult, progress, row, type BenchRow } from './lib/report.ts';
import { FIXTURES, PODVISOR, ROOT, stopChild } from './lib/subjects.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const STAMP = join(FIXTURES, 'bench-stamp.sh');

if (!existsSync(join(ROOT, 'dist', 'podvisor.js'))) throw new Error('dist/podvisor.js is missing: run npm run build first');

interface Scenario {
  readonly name: string;
  readonly attack?: { readonly kind: AttackKind; readonly count: number; readonly path?: string };
}
const SCENARIOS: readonly Scenario[] = [
  { name: 'no attack' },
  { name: '(a) 1,000 connections trickling a header line a second', attack: { kind: 'trickle', count: 1000 } },
  { name: '(a) 10,000 connections trickling a header line a second', attack: { kind: 'trickle', count: 10000 } },
  { name: '(b) 30 connections pipelining GET /metrics ×50, never reading', attack: { kind: 'pipeline', count: 30, path: '/metrics' } },
];


interface Measured {
  readonly restartMs: number[];
  readonly probeMs: number[];
  readonly probeFailures: number;
  readonly rssPeakMb: number;
}

/** One podvisor restarting bench-stamp.sh with delay 0; `scenario`'s attack for SECONDS; what it cost. */
async function measure(scenario: Scenario): Promise<Measured> {
  const directory = mkdtempSync(join(tmpdir(), 'http-attack-bench-'));
  const stamps = join(directory, 'stamps');
  const port = await freePort();
  const podvisor = spawn(PODVISOR, ['--', STAMP, stamps, '1'], {
    stdio: 'ignore',
    env: { ...process.env, PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1', PODVISOR_LOG_LEVEL: 'warn', PODVISOR_KUBERNETES: 'off', PODVISOR_RESTART_DELAY_MS: '0', PODVISOR_START_LIMIT_BURST: '0' },
  });
  let attack: Attack | undefined;
  try {
    const deadline = Date.now() + 15000;
    while ((await get(port, '/healthz').catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('podvisor did not answer /healthz');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rss = watchRss(podvisor.pid as number);
    if (scenario.attack !== undefined) {
      attack = await spawnAttack(scenario.attack.kind, port, scenario.attack.count, scenario.attack.path);
      // Let the attack build up (every connection open, the first timeouts and re-opens) before measuring.
      await new Promise((resolve) => setTimeout(resolve, 4000));
    }
    const from = Date.now() * 1e6;
    const probeMs: number[] = [];
    let probeFailures = 0;
    const until = performance.now() + SECONDS * 1000;
    while (performance.now() < until) {
      const result = await probe(port, '/healthz', 5000);
      if (result.status === 200) probeMs.push(result.ms);
      else probeFailures += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const to = Date.now() * 1e6;
    await attack?.stop();
    const times = readFileSync(stamps, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number)
      .filter((ns) => ns >= from && ns <= to);
    return { restartMs: times.slice(1).map((ns, index) => (ns - (times[index] as number)) / 1e6), probeMs, probeFailures, rssPeakMb: rss.stop() };
  } finally {
    await attack?.stop().catch(() => {});
    await stopChild(podvisor);
    rmSync(directory, { recursive: true, force: true });
  }
}

const rows: BenchRow[] = [];
let quietRestart: number | undefined;
for (const scenario of SCENARIOS) {
  progress(`http-attacks: ${scenario.name}, ${SECONDS} s`);
  const measured = await measure(scenario);
  const restart = row('podvisor', `restart: exit → next start (delay 0), ${scenario.name}`, 'ms', measured.restartMs);
  const median = restart.median ?? 0;
  quietRestart ??= median;
  const failures = measured.probeFailures === 0 ? '' : `; ${measured.probeFailures} probes failed`;
  rows.push(
    scenario.attack === undefined ? restart : { ...restart, goal: `≤ ${+(2 * quietRestart).toPrecision(3)} ms`, note: `2× the quiet median; ${(median / quietRestart).toFixed(2)}× measured` },
    row('podvisor', `probe: GET /healthz on a fresh connection, ${scenario.name}`, 'ms', measured.probeMs.length > 0 ? measured.probeMs : [Number.NaN], { goal: '≤ 1000 ms', note: `every 100 ms${failures}` }),
    // The restart loop at delay 0 (hundreds of restarts a second) has its own cost: compare with the quiet row.
    row('podvisor', `RSS peak, ${scenario.name}`, 'MB', [measured.rssPeakMb], { note: 'while restarting hundreds of times a second' }),
  );
  progress(`  restart median ${median} ms, probe median ${rows.at(-2)?.median} ms (max ${rows.at(-2)?.max}), RSS peak ${measured.rssPeakMb.toFixed(0)} MB${failures}`);
}
printResult('http-attacks', rows);
