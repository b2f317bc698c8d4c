import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWriterThroughPodvisor } from '../../helpers/output-streams.ts';

/** The flood itself (1 GiB and a 100 MB line) is test/reliability/output-flood.test.ts. */
const MIB = 1024 * 1024;
/** podvisor's peak RSS bound: as in the flood, whatever the volume, the pass-through holds only bounded bytes. */
const PEAK_RSS_BOUND_MIB = 150;

describe('output: a stalled reader of podvisor', () => {
  it('slows the server down instead of buffering: memory stays bounded, nothing is dropped', { timeout: 120_000 }, async () => {
    const perStream = 256 * MIB;
    const run = await runWriterThroughPodvisor({ bytesPerStream: perStream, stallReaderMs: 3000 });
    process.stderr.write(`stalled reader: podvisor VmHWM ${(run.peakRssKiB / 1024).toFixed(1)} MiB\n`);
    assert.equal(run.exitStatus, 0);
    assert.equal(run.writerFinishedDuringStall, false, 'the server wrote 512 MiB while nobody read podvisor: it was not held back');
    assert.equal(run.stdoutHash, run.written.stdout);
    assert.equal(run.stderrHash, run.written.endsLine.stderr ? run.written.stderr : run.written.withNewline.stderr);
    assert.ok(run.peakRssKiB < PEAK_RSS_BOUND_MIB * 1024, `podvisor's VmHWM ${run.peakRssKiB} KiB`);
  });
});
