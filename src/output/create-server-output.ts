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

/** Which way the server's output goes, and why (pure: the cost table of docs/output.md is this function). */
export function outputMode(settings: { readonly restartOnLog: { readonly kind: LogRule['kind'] }; readonly httpPort: Settings['httpPort'] }): 'inherit' | 'pipe' {
  const ruleIsOff = settings.restartOnLog.kind === 'off';
  // podvisor_log_lines_total is only served when the HTTP port is open.
  const linesAreCounted = settings.httpPort !== 0;
  return ruleIsOff && !linesAreCounted ? 'inherit' : 'pipe';
}

/**
 * Chooses how the server's output reaches podvisor's, from the error-log rule: the server's own descriptors
 * when nothing needs to be read, else every byte through podvisor's pass-through.
 */
export function createServerOutput(settings: { readonly restartOnLog: LogRule; readonly httpPort: Settings['httpPort'] }): OutputSetup {
  if (outputMode(settings) === 'inherit') return { factory: inheritOutput, logDestination: undefined };
  const stdout = new OutputSink({ destination: process.stdout, fd: 1 });
  const stderr = new OutputSink({ destination: process.stderr, fd: 2 });
  process.once('exit', () => stderr.flushOwnLinesSync());
  return {
    factory: pipedOutput(settings.restartOnLog, { stdout, stderr }),
    logDestination: { write: (line: string) => stderr.writeOwnLine(line) },
  };
}

/** The server's stdout and stderr through podvisor, each line classified and checked against `rule`. */
export function pipedOutput(rule: LogRule, sinks: Readonly<Record<OutputStream, OutputSink>>): ServerOutputFactory {
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
