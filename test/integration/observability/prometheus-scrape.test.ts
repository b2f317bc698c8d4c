import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, FIXTURES, freePort, NODE, startPodvisor, type RunningPodvisor } from '../../helpers/podvisor-process.ts';
import { get } from './obs-http.ts';

/** Debian's prometheus package (scripts/install-debian-packages.sh). */
const PROMETHEUS = '/usr/bin/prometheus';

const cleanups: Array<() => void> = [];
after(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

/** Starts a real Prometheus on loopback scraping `target` every second, with its own temporary storage. */
async function startPrometheus(target: string): Promise<{ port: number; process: ChildProcess; output: () => string }> {
  const directory = mkdtempSync(join(tmpdir(), 'obs-prometheus-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const config = join(directory, 'prometheus.yml');
  writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s', 'scrape_configs:', '  - job_name: podvisor', '    static_configs:', `      - targets: ['${target}']`, ''].join('\n'),
  );
  const port = await freePort();
  const prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  prometheus.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cleanups.push(() => {
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  });
  await eventually(async () => (await get(port, '/-/ready').catch(() => ({ status: 0 }))).status === 200, `Prometheus ready on ${port}`, 30000);
  return { port, process: prometheus, output: () => output };
}

interface VectorResult {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** Runs an instant PromQL query through Prometheus' HTTP API. */
async function query(port: number, promql: string): Promise<VectorResult[]> {
  const answer = await get(port, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  const parsed = JSON.parse(answer.body) as { status: string; data: { resultType: string; result: VectorResult[] }; error?: string };
  assert.equal(parsed.status, 'success', `${promql}: ${parsed.error ?? answer.body}`);
  return parsed.data.result;
}

async function scalar(port: number, promql: string): Promise<number | undefined> {
  const [first] = await query(port, promql);
  return first === undefined ? undefined : Number(first.value[1]);
}

describe('a real Prometheus scraping podvisor', () => {
  it('sees restarts, back-off, recovery and an operator restart, with every scrape up', async () => {
    const httpPort = await freePort();
    const directory = mkdtempSync(join(tmpdir(), 'obs-flaky-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const podvisor: RunningPodvisor = startPodvisor({
      command: [NODE, join(FIXTURES, 'obs-server.mjs')],
      env: {
        PODVISOR_HTTP_PORT: String(httpPort),
        PODVISOR_HTTP_HOST: '127.0.0.1',
        PODVISOR_RESTART_DELAY_MS: '1000',
        PODVISOR_RESTART_BACKOFF_MAX_MS: '2000',
        // The first three servers fail half a second after they start; the fourth stays up.
        OBS_COUNT_FILE: join(directory, 'starts'),
        OBS_FAILURES: '3',
        OBS_EXIT_CODE: '3',
        OBS_EXIT_AFTER_MS: '500',
      },
    });
    cleanups.push(() => podvisor.kill());
    const prometheus = await startPrometheus(`127.0.0.1:${httpPort}`);
    const { port } = prometheus;
    const within = 40000;

    await eventually(async () => (await scalar(port, 'podvisor_server_restarts_total{reason="exit_code"}')) === 3, 'Prometheus to see 3 restarts by exit code', within).catch(async (error: unknown) => {
      const seen = JSON.stringify(await query(port, 'podvisor_server_restarts_total'));
      throw new Error(`${String(error)}\nPrometheus has: ${seen}\nPrometheus said: ${prometheus.output()}\npodvisor said:\n${podvisor.stderr()}`);
    });
    await eventually(async () => (await scalar(port, 'podvisor_server_state{state="running"}')) === 1, 'Prometheus to see the fourth server running', within);
    assert.equal(await scalar(port, 'max_over_time(podvisor_server_state{state="backoff"}[5m])'), 1, 'a scrape saw the back-off');
    // The second and third delays double the first (1 s), less at most 10 % jitter.
    const longestDelay = (await scalar(port, 'max_over_time(podvisor_restart_backoff_seconds[5m])')) ?? 0;
    assert.ok(longestDelay >= 1.8 && longestDelay <= 2, `the doubled delay was seen pending (${longestDelay} s)`);
    assert.equal(await scalar(port, 'podvisor_server_exits_total{code="3"}'), 3);

    podvisor.signal('SIGINT');
    await eventually(async () => (await scalar(port, 'podvisor_server_restarts_total{reason="sigint"}')) === 1, 'Prometheus to see the SIGINT restart', within);
    await eventually(async () => (await scalar(port, 'podvisor_server_state{state="running"}')) === 1, 'running after the SIGINT restart', within);

    // The state series: all eight present, exactly one set, in every scrape.
    assert.equal(await scalar(port, 'count(podvisor_server_state)'), 8);
    assert.equal(await scalar(port, 'max_over_time(sum(podvisor_server_state)[5m:1s])'), 1);
    assert.equal(await scalar(port, 'min_over_time(sum(podvisor_server_state)[5m:1s])'), 1);
    // Every scrape succeeded while the server was restarted, failed and backed off.
    assert.equal(await scalar(port, 'up{job="podvisor"}'), 1);
    assert.equal(await scalar(port, 'min_over_time(up{job="podvisor"}[5m])'), 1);
    const scrapes = (await scalar(port, 'count_over_time(up{job="podvisor"}[5m])')) ?? 0;
    assert.ok(scrapes >= 3, `Prometheus scraped repeatedly (${scrapes} scrapes)`);
    const targets = JSON.parse((await get(port, '/api/v1/targets')).body) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
    assert.deepEqual(
      targets.data.activeTargets.map((target) => [target.health, target.lastError]),
      [['up', '']],
    );
    // The default process metrics are there with the prefix.
    assert.ok(((await scalar(port, 'podvisor_process_resident_memory_bytes')) ?? 0) > 0);

    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});
