import { fstatSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import type { LogRule } from '../config/log-rule.ts';
import type { Settings } from '../config/settings.ts';
import type { OutputStream } from './output-stream.ts';
import { classifyLine, LINE_LEVELS, type LineLevel } from './classify-line.ts';
import { reachesThreshold } from './fatal-rule.ts';
import { OutputSink } from './output-sink.ts';
import { passThrough, type LineReader } from './pass-through.ts';
import { inheritOutput, type OutputHandlers, type ServerOutput, type ServerOutputFactory } from './server-output.ts';

export interface OutputSetup {
  readonly factory: ServerOutputFactory;
  /** Where podvisor's own log lines go; undefined = straight to fd 2. */
  readonly logDestination: DestinationStream | undefined;
}

/** Which file a descriptor is open on (fstat's device and inode); undefined when it is closed. */
export interface FileIdentity {
  readonly device: bigint;
  readonly inode: bigint;
}

/**
 * Which way the server's output goes, and why (pure: the cost table of docs/output.md is this function).
 * `inherit`: the server writes to podvisor's own descriptors, nothing is read; `separate`: a pipe for each stream,
 * each passed to podvisor's own; `combined`: podvisor's stdout and stderr are the same file or terminal (`>f 2>&1`,
 * a terminal, `tty: true`), so the server gets one pipe for both and what it wrote stays in the order it wrote it.
 */
export function outputMode(
  settings: { readonly restartOnLog: { readonly kind: LogRule['kind'] }; readonly httpPort: Settings['httpPort'] },
  descriptors: { readonly stdout: FileIdentity | undefined; readonly stderr: FileIdentity | undefined },
): 'inherit' | 'separate' | 'combined' {
  const ruleIsOff = settings.restartOnLog.kind === 'off';
  // podvisor_log_lines_total is only served when the HTTP port is open.
  const linesAreCounted = settings.httpPort !== 0;
  if (ruleIsOff && !linesAreCounted) return 'inherit';
  const { stdout, stderr } = descriptors;
  const sameFile = stdout !== undefined && stderr !== undefined && stdout.device === stderr.device && stdout.inode === stderr.inode;
  return sameFile ? 'combined' : 'separate';
}

/** fstat of podvisor's stdout and stderr. */
export function stdioIdentities(): { readonly stdout: FileIdentity | undefined; readonly stderr: FileIdentity | undefined } {
  const identity = (fd: number): FileIdentity | undefined => {
    try {
      const stat = fstatSync(fd, { bigint: true });
      return { device: stat.dev, inode: stat.ino };
    } catch {
      return undefined;
    }
  };
  return { stdout: identity(1), stderr: identity(2) };
}

/**
 * Chooses how the server's output reaches podvisor's, from the error-log rule and podvisor's own stdout and
 * stderr: the server's own descriptors when nothing needs to be read, else every byte through podvisor's
 * pass-through, in one stream when podvisor's two are one file.
 */
export function createServerOutput(settings: { readonly restartOnLog: LogRule; readonly httpPort: Settings['httpPort'] }, descriptors = stdioIdentities()): OutputSetup {
  const mode = outputMode(settings, descriptors);
  if (mode === 'inherit') return { factory: inheritOutput, logDestination: undefined };
  if (mode === 'combined') {
    // podvisor's own lines go where the server's lines go, at the boundaries of the one stream both share.
    const combined = new OutputSink({ destination: process.stdout, fd: 1 });
    process.once('exit', () => combined.flushOwnLinesSync());
    return { factory: combinedOutput(settings.restartOnLog, combined), logDestination: { write: (line: string) => combined.writeOwnLine(line) } };
  }
  const stdout = new OutputSink({ destination: process.stdout, fd: 1 });
  const stderr = new OutputSink({ destination: process.stderr, fd: 2 });
  process.once('exit', () => stderr.flushOwnLinesSync());
  return {
    factory: pipedOutput(settings.restartOnLog, { stdout, stderr }),
    logDestination: { write: (line: string) => stderr.writeOwnLine(line) },
  };
}

/** The server's stdout and stderr through podvisor, each line classified and checked against `rule`. */
export function pipedOutput(rule: LogRule, sinks: Readonly<Record<'stdout' | 'stderr', OutputSink>>): ServerOutputFactory {
  return (handlers: OutputHandlers): ServerOutput => ({
    stdout: 'pipe',
    stderr: 'pipe',
    attach: async (stdout, stderr) => {
      const passing: Promise<void>[] = [];
      if (stdout !== null) passing.push(passThrough(stdout, sinks.stdout, lineReader('stdout', rule, handlers)));
      if (stderr !== null) passing.push(passThrough(stderr, sinks.stderr, lineReader('stderr', rule, handlers)));
      await Promise.all(passing);
    },
  });
}

/**
 * The server's stdout and stderr as one pipe through podvisor to `sink` (podvisor's stdout), its lines counted as
 * stream `combined`. Where the kernel refused the pipe, each stream came in a pipe of its own: both go to the sink.
 */
export function combinedOutput(rule: LogRule, sink: OutputSink): ServerOutputFactory {
  return (handlers: OutputHandlers): ServerOutput => ({
    stdout: 'pipe',
    stderr: 'stdout',
    attach: async (stdout, stderr) => {
      const passing: Promise<void>[] = [];
      for (const stream of [stdout, stderr]) if (stream !== null) passing.push(passThrough(stream, sink, lineReader('combined', rule, handlers)));
      await Promise.all(passing);
    },
  });
}

/**
 * Classifies each line head, reports a line at the threshold at once and the count of lines per level after
 * each read. The line's text is decoded only for a regex rule or a fatal line.
 */
export function lineReader(stream: OutputStream, rule: LogRule, handlers: OutputHandlers): LineReader {
  const counts = new Array<number>(LINE_LEVELS.length).fill(0);
  return {
    onLine: (buffer, start, end) => {
      const level = classifyLine(buffer, start, end);
      counts[LEVEL_INDEX[level]] = (counts[LEVEL_INDEX[level]] as number) + 1;
      // Most lines are below a level threshold: no closure, no decoding for them.
      if (rule.kind === 'off' || (rule.kind === 'level' && level !== 'fatal' && level !== 'error')) return;
      const text = (): string => buffer.toString('utf8', start, end);
      if (reachesThreshold(rule, level, text)) handlers.onFatalLine(stream, text());
    },
    onReadDone: () => {
      for (let index = 0; index < counts.length; index++) {
        const count = counts[index] as number;
        if (count === 0) continue;
        counts[index] = 0;
        handlers.onLine(stream, LINE_LEVELS[index] as LineLevel, count);
      }
    },
  };
}

const LEVEL_INDEX = Object.fromEntries(LINE_LEVELS.map((level, index) => [level, index])) as Record<LineLevel, number>;
