import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWriterThroughPodvisor } from '../helpers/output-streams.ts';

/**
 * Every byte through podvisor, in order, per stream: the SHA-256 of podvisor's stdout, and of its stderr
 * without podvisor's own lines, equal the hashes the server computed of what it wrote. Random line lengths
 * (some over 64 KiB), random write sizes, and stdout ending in one 100 MB line without a newline.
 * 512 MiB per stream (1 GiB in all, plus the 100 MB line): about 7 s here; OUTPUT_MIB_PER_STREAM changes it.
 */
const MIB = 1024 * 1024;
const PER_STREAM = Number(process.env.OUTPUT_MIB_PER_STREAM ?? 512) * MIB;
const LONG_LINE = 100 * 1000 * 1000;
/** podvisor's peak RSS bound (test/integration/output/stalled-reader.test.ts holds it too): Node with pino and prom-client loaded is ~60 MiB; the pass-through adds at most
 * ~1 MiB of waiting bytes per stream plus read buffers, whatever the volume or the line length. */
const PEAK_RSS_BOUND_MIB = 150;

describe('output flood: byte-exact pass-through', () => {
  it(`${PER_STREAM / MIB} MiB per stream plus a 100 MB line without newline, hashes equal, RSS bounded`, { timeout: 600_000 }, async () => {
    const run = await runWriterThroughPodvisor({ bytesPerStream: PER_STREAM, longLineBytes: LONG_LINE });
    process.stderr.write(`byte-exact: ${((run.stdoutBytes + run.stderrBytes) / MIB).toFixed(0)} MiB in ${run.seconds.toFixed(1)} s, podvisor VmHWM ${(run.peakRssKiB / 1024).toFixed(1)} MiB\n`);
    assert.equal(run.exitStatus, 0, `podvisor's own lines:\n${run.ownLines.join('')}`);
    assert.equal(run.written.bytes.stdout, PER_STREAM + LONG_LINE);
    assert.equal(run.stdoutBytes, run.written.bytes.stdout);
    assert.equal(run.stdoutHash, run.written.stdout);
    // The server's stderr may end mid-line; podvisor then ends that line with one '\n' before its own
    // "server ended" line (the documented rule), and adds nothing else.
    const stderrEndsLine = run.written.endsLine.stderr;
    assert.equal(run.stderrBytes, run.written.bytes.stderr + (stderrEndsLine ? 0 : 1));
    assert.equal(run.stderrHash, stderrEndsLine ? run.written.stderr : run.written.withNewline.stderr);
    assert.equal(run.misplacedOwnLines, 0, 'podvisor wrote a line of its own inside a server line');
    assert.ok(run.ownLines.some((line) => line.includes('"server started"')), 'podvisor logged as usual');
    assert.ok(run.peakRssKiB > 0 && run.peakRssKiB < PEAK_RSS_BOUND_MIB * 1024, `podvisor's VmHWM ${run.peakRssKiB} KiB`);
  });
});

