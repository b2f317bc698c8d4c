import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, NODE, PODVISOR, TEST_ENV } from './podvisor-process.ts';

/** What went through podvisor, hashed as it streamed by (gigabytes never sit in the test's memory). */
export interface StreamedRun {
  readonly exitStatus: number;
  readonly stdoutHash: string;
  readonly stdoutBytes: number;
  /** The server's bytes on podvisor's stderr: podvisor's own lines removed. */
  readonly stderrHash: string;
  readonly stderrBytes: number;
  /** podvisor's own lines found on stderr. */
  readonly ownLines: string[];
  /** Own lines that did not start at the beginning of a line (must be none). */
  readonly misplacedOwnLines: number;
  /** podvisor's peak resident set (VmHWM), in KiB. */
  readonly peakRssKiB: number;
  /** The server's own account of what it wrote. */
  readonly written: {
    stdout: string;
    stderr: string;
    bytes: { stdout: number; stderr: number };
    endsLine: { stdout: boolean; stderr: boolean };
    withNewline: { stdout: string; stderr: string };
  };
  readonly seconds: number;
  /** With stallReaderMs: whether the server had written everything by the end of the stall. */
  readonly writerFinishedDuringStall: boolean;
}

export interface WriterOptions {
  readonly bytesPerStream: number;
  readonly longLineBytes?: number;
  readonly seed?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Stop reading podvisor's stdout and stderr for this long at first (a stalled log reader). */
  readonly stallReaderMs?: number;
}

/**
 * Runs test/fixtures/output-writer.ts under podvisor and hashes podvisor's stdout and stderr as they stream
 * by. The writer's bytes never contain '{', so a '{' marks one of podvisor's own JSON lines.
 */
export async function runWriterThroughPodvisor(options: WriterOptions): Promise<StreamedRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'podvisor-output-'));
  const hashFile = join(scratch, 'written.json');
  const started = performance.now();
  const child = spawn(
    PODVISOR,
    ['--', NODE, join(FIXTURES, 'output-writer.ts'), '--bytes', String(options.bytesPerStream), '--seed', String(options.seed ?? 7), '--long-line-bytes', String(options.longLineBytes ?? 0), '--hash-file', hashFile, '--linger-ms', '300'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...TEST_ENV, PODVISOR_LOG_LEVEL: 'info', ...options.env } },
  );
  try {
    const pid = child.pid as number;
    let peakRssKiB = 0;
    const sampleRss = (): void => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (match !== null) peakRssKiB = Math.max(peakRssKiB, Number(match[1]));
      } catch {
        // podvisor has exited.
      }
    };
    const sampler = setInterval(sampleRss, 100);

    const stdoutHash = createHash('sha256');
    let stdoutBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutHash.update(chunk);
      stdoutBytes += chunk.length;
    });

    const stderrHash = createHash('sha256');
    let stderrBytes = 0;
    const ownLines: string[] = [];
    let misplacedOwnLines = 0;
    let ownLine: Buffer[] | undefined;
    let previousByte = 0x0a;
    child.stderr.on('data', (chunk: Buffer) => {
      let index = 0;
      while (index < chunk.length) {
        if (ownLine !== undefined) {
          const end = chunk.indexOf(0x0a, index);
          ownLine.push(chunk.subarray(index, end === -1 ? chunk.length : end + 1));
          if (end === -1) break;
          ownLines.push(Buffer.concat(ownLine).toString('utf8'));
          ownLine = undefined;
          index = end + 1;
          previousByte = 0x0a;
          continue;
        }
        const brace = chunk.indexOf(0x7b, index);
        const serverEnd = brace === -1 ? chunk.length : brace;
        if (serverEnd > index) {
          stderrHash.update(chunk.subarray(index, serverEnd));
          stderrBytes += serverEnd - index;
          previousByte = chunk[serverEnd - 1] as number;
        }
        if (brace === -1) break;
        if (previousByte !== 0x0a) misplacedOwnLines++;
        ownLine = [];
        index = brace;
      }
    });

    let writerFinishedDuringStall = false;
    if (options.stallReaderMs !== undefined) {
      child.stdout.pause();
      child.stderr.pause();
      await new Promise((resolve) => setTimeout(resolve, options.stallReaderMs));
      writerFinishedDuringStall = existsSync(hashFile);
      child.stdout.resume();
      child.stderr.resume();
    }
    const exitStatus = await new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))));
    clearInterval(sampler);
    sampleRss();
    const written = JSON.parse(readFileSync(hashFile, 'utf8')) as StreamedRun['written'];
    return {
      exitStatus,
      stdoutHash: stdoutHash.digest('hex'),
      stdoutBytes,
      stderrHash: stderrHash.digest('hex'),
      stderrBytes,
      ownLines,
      misplacedOwnLines,
      peakRssKiB,
      written,
      seconds: (performance.now() - started) / 1000,
      writerFinishedDuringStall,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }
}
