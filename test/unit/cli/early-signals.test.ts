import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EARLY_SIGNALS, holdSignals } from '../../../src/cli/early-signals.ts';
import { HANDLED_SIGNALS } from '../../../src/supervisor/signal-decision.ts';

describe('the early signal handlers', () => {
  it('cover exactly the signals the signal table decides on', () => {
    assert.deepEqual([...EARLY_SIGNALS].sort(), [...HANDLED_SIGNALS].sort());
  });

  it('keep real signals that come before supervision, in order, and then deliver as they come', async () => {
    const before = process.listenerCount('SIGWINCH');
    const signals = holdSignals();
    process.kill(process.pid, 'SIGWINCH');
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.kill(process.pid, 'SIGALRM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(signals.pending.map((entry) => entry.signal), ['SIGWINCH', 'SIGALRM']);
    const delivered: NodeJS.Signals[] = [];
    signals.deliverTo((signal) => delivered.push(signal));
    assert.deepEqual(delivered, ['SIGWINCH', 'SIGALRM']);
    assert.equal(signals.pending.length, 0);
    process.kill(process.pid, 'SIGWINCH');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(delivered, ['SIGWINCH', 'SIGALRM', 'SIGWINCH']);
    assert.equal(process.listenerCount('SIGWINCH'), before + 1, 'one handler per signal, never replaced');
    for (const signal of EARLY_SIGNALS) process.removeAllListeners(signal);
  });
});
