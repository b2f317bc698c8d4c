import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, message, startPodvisor } from '../../helpers/podvisor-process.ts';

const sequence = join(FIXTURES, 'exit-sequence.sh');

describe('back-off and the start limit', () => {
  it('doubles the delay for short runs, with jitter, up to the maximum', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'podvisor-backoff-')), 'runs');
    const podvisor = startPodvisor({
      command: [sequence, state, '1', '1', '1', '1', '1', '1', '0'],
      env: { PODVISOR_RESTART_DELAY_MS: '40', PODVISOR_RESTART_BACKOFF_MAX_MS: '1000', PODVISOR_STABLE_AFTER_MS: '60000' },
    });
    assert.equal(await podvisor.exited(), 0);
    const delays = podvisor.logs.filter(message('restarting the server')).map((line) => line['delayMs'] as number);
    assert.equal(delays.length, 6);
    assert.equal(delays[0], 40);
    for (const [index, base] of [[1, 80], [2, 160], [3, 320], [4, 640], [5, 1000]] as const) {
      const delay = delays[index] as number;
      assert.ok(delay >= Math.min(base * 0.9, 1000) && delay <= Math.min(base * 1.1, 1000), `restart ${index + 1}: ${delay} ms, around ${base}`);
    }
  });

  it('a stable run resets the delay to the first one', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'podvisor-backoff-')), 'runs');
    const podvisor = startPodvisor({
      command: [sequence, state, '1', '1', 'fail-after:0.5', '1', '0'],
      env: { PODVISOR_RESTART_DELAY_MS: '40', PODVISOR_RESTART_BACKOFF_MAX_MS: '10000', PODVISOR_STABLE_AFTER_MS: '300' },
    });
    assert.equal(await podvisor.exited(), 0);
    const delays = podvisor.logs.filter(message('restarting the server')).map((line) => line['delayMs'] as number);
    assert.equal(delays.length, 4);
    assert.equal(delays[0], 40);
    assert.ok((delays[1] as number) >= 72 && (delays[1] as number) <= 88, `second delay doubled: ${delays[1]}`);
    assert.equal(delays[2], 40, 'the third run was stable: the delay starts over');
    assert.ok((delays[3] as number) >= 72, `then grows again: ${delays[3]}`);
  });

  it('more restarts than the burst within the interval: gives up with exit 1', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'podvisor-limit-')), 'runs');
    const podvisor = startPodvisor({
      command: [sequence, state, '1'],
      env: { PODVISOR_RESTART_DELAY_MS: '10', PODVISOR_RESTART_BACKOFF_MAX_MS: '20', PODVISOR_START_LIMIT_BURST: '4', PODVISOR_START_LIMIT_INTERVAL_MS: '60000' },
    });
    assert.equal(await podvisor.exited(), 1);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 4);
    assert.ok(podvisor.logs.some(message('start limit reached: giving up')));
    assert.ok(podvisor.logs.some(message('podvisor exiting', { exitStatus: 1 })));
  });
});
