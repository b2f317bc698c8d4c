import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, delay, eventually, freePort, message, startPodvisor } from '../helpers/podvisor-process.ts';
import { linesOf, LONG, metricValue, openFds, restartLoopEnv, rssMb, scrape, zombieChildren } from './proc.ts';

const RESTARTS = LONG ? 10000 : 1000;
/** Restarts before the baseline is taken: Node's heap and JIT settle first. */
const WARM_UP = 300;
const dir = mkdtempSync(join(tmpdir(), 'rel-soak-'));
const HEAP_FILE = join(dir, 'heap.json');
/**
 * A leak is judged on live memory: the heap probe runs a full GC every 250 ms and writes what survives. RSS is
 * only bounded loosely: V8 sizes its heap to the allocation rate (the new space alone can grow to 2 × 16 MB
 * while podvisor restarts 100 times a second, hence the 1 MB semi-space here) and malloc keeps freed arenas, so
 * RSS drifts by up to ~10 MB between runs of the same build (seen in CI) with the live heap flat.
 */
const NODE_OPTIONS = `--max-semi-space-size=1 --expose-gc --import=${join(FIXTURES, 'heap-probe.ts')}`;
/** Live memory (V8 heap + external + array buffers) may differ by this much after the warm-up. */
const LIVE_GROWTH_MB = 2;
/**
 * RSS growth: the 5 MB over the long form's 10,000 restarts (measured +2 MB); the short form's 1,000
 * restarts are too few for the drift to average out, so it keeps a loose bound against a gross leak only.
 */
const RSS_GROWTH_MB = LONG ? 5 : 25;

function liveMb(): number {
  const heap = JSON.parse(readFileSync(HEAP_FILE, 'utf8')) as { heapUsed: number; external: number; arrayBuffers: number };
  return (heap.heapUsed + heap.external) / 2 ** 20; // external includes arrayBuffers
}

/** The live-memory reading written after this call (the probe writes every 250 ms). */
async function nextLiveMb(): Promise<number> {
  await delay(600);
  return liveMb();
}
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`soak: ${RESTARTS} restarts of a crash-looping server`, { timeout: LONG ? 3_600_000 : 300_000 }, () => {
  it('keeps RSS and fds flat, leaves no zombie, counts every restart once', async () => {
    const runs = join(dir, 'runs');
    const port = await freePort();
    const podvisor = startPodvisor({
      // Runs RESTARTS + 1 times: RESTARTS crashes, then it stays up.
      command: [join(FIXTURES, 'rel-count.sh'), runs, String(RESTARTS + 1)],
      env: {
        ...restartLoopEnv(port),
        NODE_OPTIONS,
        HEAP_PROBE_FILE: HEAP_FILE,
      },
    });
    try {
      await eventually(() => linesOf(runs).length >= WARM_UP, `${WARM_UP} runs`, 120_000);
      // fds differ by the pipes of a server alive at the moment of reading: the most seen is the baseline.
      const early: { rss: number; fds: number }[] = [];
      for (let i = 0; i < 10; i++) {
        early.push({ rss: rssMb(podvisor.pid), fds: openFds(podvisor.pid) });
        await delay(50);
      }
      const baseline = { rss: Math.max(...early.map((sample) => sample.rss)), fds: Math.max(...early.map((sample) => sample.fds)), live: await nextLiveMb() };
      const samples: number[] = [];
      while (linesOf(runs).length < RESTARTS + 1) {
        assert.equal(podvisor.child.exitCode, null, 'podvisor is still running');
        samples.push(rssMb(podvisor.pid));
        await delay(250);
      }
      // The last run stays up: let podvisor settle before the final readings.
      await podvisor.waitForLogs(message('server started'), RESTARTS + 1, 30_000);
      await delay(1000);
      const end = { rss: rssMb(podvisor.pid), fds: openFds(podvisor.pid), live: await nextLiveMb() };
      const peak = Math.max(...samples, end.rss);
      process.stderr.write(
        `soak: ${RESTARTS} restarts; live ${baseline.live.toFixed(2)} → ${end.live.toFixed(2)} MB; ` +
          `RSS ${baseline.rss.toFixed(1)} → ${end.rss.toFixed(1)} MB (peak ${peak.toFixed(1)}); fds ${baseline.fds} → ${end.fds}\n`,
      );

      assert.ok(end.live - baseline.live < LIVE_GROWTH_MB, `live memory grew ${(end.live - baseline.live).toFixed(2)} MB (from ${baseline.live.toFixed(2)} to ${end.live.toFixed(2)})`);
      assert.ok(end.rss - baseline.rss < RSS_GROWTH_MB, `RSS grew ${(end.rss - baseline.rss).toFixed(1)} MB (from ${baseline.rss.toFixed(1)} to ${end.rss.toFixed(1)})`);
      assert.ok(end.fds <= baseline.fds, `open fds went from ${baseline.fds} to ${end.fds}`);
      await eventually(() => zombieChildren(podvisor.pid).length === 0, 'no zombie child of podvisor', 5000);

      assert.equal(linesOf(runs).length, RESTARTS + 1, 'the server ran exactly once per start');
      assert.equal(podvisor.logs.filter(message('restarting the server')).length, RESTARTS, 'one "restarting the server" line per restart');
      assert.equal(podvisor.logs.filter(message('server started')).length, RESTARTS + 1);
      const metrics = await scrape(port);
      assert.equal(metricValue(metrics, 'podvisor_server_restarts_total'), RESTARTS, 'podvisor_server_restarts_total');
      assert.equal(metricValue(metrics, 'podvisor_server_restarts_total', { reason: 'exit_code' }), RESTARTS);

      podvisor.signal('SIGTERM');
      assert.equal(await podvisor.exited(), 0);
    } finally {
      podvisor.kill();
    }
  });
});
