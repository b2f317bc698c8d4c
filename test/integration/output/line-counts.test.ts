import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually, freePort, message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

/** podvisor_log_lines_total{stream,level} samples from /metrics. */
async function lineCounts(port: number): Promise<Map<string, number>> {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const match of body.matchAll(/^podvisor_log_lines_total\{stream="(\w+)",level="(\w+)"\} (\d+)$/gm)) counts.set(`${match[1]} ${match[2]}`, Number(match[3]));
  return counts;
}

describe('output: lines counted by stream and level', () => {
  const running: RunningPodvisor[] = [];
  after(async () => {
    await stopAll(running);
  });

  it('podvisor_log_lines_total counts every line with the classified level', async () => {
    const port = await freePort();
    const script = [
      'for i in 1 2 3; do echo \'{"level":30,"msg":"ok"}\'; done',
      'echo "level=warn msg=slow"; echo "plain text"',
      'echo "ERROR: failed" >&2; echo "[debug] detail" >&2',
      'exec sleep 60',
    ].join('; ');
    const podvisor = startPodvisor({ command: ['sh', '-c', script], env: { PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    const expected = new Map([
      ['stdout info', 3],
      ['stdout warn', 1],
      ['stdout unknown', 1],
      ['stderr error', 1],
      ['stderr debug', 1],
    ]);
    let seen = new Map<string, number>();
    await eventually(async () => {
      seen = await lineCounts(port).catch(() => new Map());
      return [...expected].every(([key, value]) => seen.get(key) === value);
    }, `line counts ${JSON.stringify([...expected])}`, 15000).catch((error: unknown) => {
      throw new Error(`${String(error)}; /metrics had ${JSON.stringify([...seen])}`);
    });
    assert.equal(seen.get('stdout fatal') ?? 0, 0);
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});
