import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { delay, eventually, FIXTURES, freePort, NODE, startPodvisor, type RunningPodvisor } from '../../helpers/podvisor-process.ts';
import { get, percentile, promtoolCheck, restartLatencies, scrapeAtRate } from './obs-http.ts';

const cleanups: Array<() => void> = [];
after(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

/** podvisor's restart delay in this test; the rest of a restart is the spawn and Node's start-up. */
const RESTART_DELAY_MS = 100;

describe('a scrape storm', () => {
  it('200 scrapes a second for 10 s while the server restarts in a loop: no scrape fails, restarts keep their pace', async () => {
    const httpPort = await freePort();
    const directory = mkdtempSync(join(tmpdir(), 'obs-storm-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const timesFile = join(directory, 'times');
    const podvisor: RunningPodvisor = startPodvisor({
      command: [NODE, join(FIXTURES, 'obs-server.mjs')],
      env: {
        PODVISOR_HTTP_PORT: String(httpPort),
        PODVISOR_HTTP_HOST: '127.0.0.1',
        PODVISOR_LOG_LEVEL: 'info',
        PODVISOR_RESTART_DELAY_MS: String(RESTART_DELAY_MS),
        PODVISOR_RESTART_BACKOFF_MAX_MS: String(RESTART_DELAY_MS),
        PODVISOR_START_LIMIT_BURST: '0',
        OBS_EXIT_CODE: '3',
        OBS_TIMES_FILE: timesFile,
      },
    });
    cleanups.push(() => podvisor.kill());

    // Restarts without load first, then with the storm.
    await delay(3000);
    const stormStarted = performance.timeOrigin + performance.now();
    const storm = await scrapeAtRate(httpPort, '/metrics', 200, 10000);
    const stormEnded = performance.timeOrigin + performance.now();
    const last = await get(httpPort, '/metrics');
    podvisor.signal('SIGTERM');
    // 0, or 3 when the SIGTERM met a server that was exiting 3 on its own anyway.
    assert.ok([0, 3].includes(await podvisor.exited()));

    assert.deepEqual(storm.errors.slice(0, 5), [], `${storm.errors.length} of ${storm.sent} scrapes failed`);
    assert.ok(storm.sent >= 1900, `the storm sent ${storm.sent} scrapes`);
    assert.equal(storm.latenciesMs.length, storm.sent);
    assert.equal(promtoolCheck(last.body).status, 0);

    const latencies = restartLatencies(timesFile);
    const quiet = latencies.filter((restart) => restart.at < stormStarted).map((restart) => restart.ms);
    const loaded = latencies.filter((restart) => restart.at > stormStarted + 200 && restart.at < stormEnded).map((restart) => restart.ms);
    assert.ok(quiet.length >= 5, `restarts without load: ${quiet.length}`);
    assert.ok(loaded.length >= 20, `restarts under load: ${loaded.length}`);
    const report = `restart ms without load: median ${percentile(quiet, 0.5).toFixed(1)}, p95 ${percentile(quiet, 0.95).toFixed(1)}; with 200 scrapes/s: median ${percentile(loaded, 0.5).toFixed(1)}, p95 ${percentile(loaded, 0.95).toFixed(1)}; scrape p99 ${percentile(storm.latenciesMs, 0.99).toFixed(1)} ms`;
    // The same generous bounds with and without load: never sooner than the delay, the median within a second.
    for (const [name, values] of [
      ['without load', quiet],
      ['with load', loaded],
    ] as const) {
      assert.ok(Math.min(...values) >= RESTART_DELAY_MS - 1, `${name}: a restart came before its delay; ${report}`);
      assert.ok(percentile(values, 0.5) <= RESTART_DELAY_MS + 900, `${name}: median restart too slow; ${report}`);
    }
    assert.ok(percentile(loaded, 0.5) <= 3 * percentile(quiet, 0.5), `the storm slowed restarts down; ${report}`);
    process.stdout.write(`# ${report}\n`);
  });

  it('200 scrapes a second for 5 s do not hold up forwarded signals', async () => {
    const httpPort = await freePort();
    const directory = mkdtempSync(join(tmpdir(), 'obs-storm-signals-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const received = join(directory, 'received');
    const podvisor: RunningPodvisor = startPodvisor({
      command: [NODE, join(FIXTURES, 'obs-signal-times.mjs'), received],
      env: { PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_HTTP_HOST: '127.0.0.1' },
    });
    cleanups.push(() => podvisor.kill());
    await eventually(() => existsSync(`${received}.ready`), 'the server is ready for signals', 10000);

    /** Sends SIGUSR1 every 100 ms for `durationMs`; resolves with the CLOCK_MONOTONIC send times in ns. */
    const sendSignals = async (durationMs: number): Promise<bigint[]> => {
      const sent: bigint[] = [];
      const until = performance.now() + durationMs;
      while (performance.now() < until) {
        sent.push(process.hrtime.bigint());
        podvisor.signal('SIGUSR1');
        await delay(100);
      }
      return sent;
    };
    const receivedTimes = (): bigint[] => (existsSync(received) ? readFileSync(received, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => BigInt(line)) : []);
    const latenciesMs = (sent: readonly bigint[], from: number): number[] => {
      const times = receivedTimes().slice(from, from + sent.length);
      return times.map((at, i) => Number(at - (sent[i] as bigint)) / 1e6);
    };

    const quietSent = await sendSignals(2000);
    await eventually(() => receivedTimes().length === quietSent.length, 'every quiet signal reached the server', 5000);
    const [storm, loadedSent] = await Promise.all([scrapeAtRate(httpPort, '/metrics', 200, 5000), delay(200).then(() => sendSignals(4500))]);
    await eventually(() => receivedTimes().length === quietSent.length + loadedSent.length, 'every signal sent during the storm reached the server', 5000);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);

    assert.deepEqual(storm.errors.slice(0, 5), [], `${storm.errors.length} of ${storm.sent} scrapes failed`);
    const quiet = latenciesMs(quietSent, 0);
    const loaded = latenciesMs(loadedSent, quietSent.length);
    const report = `SIGUSR1 → server handler ms without load: median ${percentile(quiet, 0.5).toFixed(2)}, max ${Math.max(...quiet).toFixed(2)}; with 200 scrapes/s: median ${percentile(loaded, 0.5).toFixed(2)}, p95 ${percentile(loaded, 0.95).toFixed(2)}, max ${Math.max(...loaded).toFixed(2)}`;
    // Generous bounds: a scrape is one event-loop turn of ~1 ms; a signal waiting behind a few is still prompt.
    assert.ok(loaded.every((ms) => ms >= 0), `a signal arrived before it was sent?; ${report}`);
    assert.ok(percentile(loaded, 0.5) <= Math.max(20, 5 * percentile(quiet, 0.5)), `the storm held signals up; ${report}`);
    assert.ok(Math.max(...loaded) <= 1000, `a signal waited more than a second; ${report}`);
    process.stdout.write(`# ${report}\n`);
  });
});
