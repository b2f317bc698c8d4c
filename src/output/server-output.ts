import type { Readable } from 'node:stream';
import type { OutputStream } from './output-stream.ts';
import type { LineLevel } from './classify-line.ts';

/** What the output path tells the supervisor about the server's lines (the error-log rule, counting). */
export interface OutputHandlers {
  /** A line at or above the fatal threshold; called for the first such line of a burst as well as the rest. */
  onFatalLine(stream: OutputStream, line: string): void;
  /**
   * `count` lines of `level`, for podvisor_log_lines_total{stream,level}. Lines are counted per read of the
   * server's pipe and reported together, so that counting costs a few calls per read, not one per line.
   */
  onLine(stream: OutputStream, level: LineLevel, count: number): void;
}

/**
 * How one server process's stdout and stderr reach podvisor's. `inherit` hands the server podvisor's own
 * descriptors (zero cost, nothing inspected); `pipe` passes every byte through podvisor; stderr `stdout` gives
 * the server one pipe for both streams.
 */
export interface ServerOutput {
  readonly stdout: 'inherit' | 'pipe';
  /** `stdout`: the same pipe as stdout (the streams combined, in the order the server wrote them). */
  readonly stderr: 'inherit' | 'pipe' | 'stdout';
  /** Takes the server's pipes (null when inherited or combined); resolves once both have ended and been written out. */
  attach(stdout: Readable | null, stderr: Readable | null): Promise<void>;
}

export type ServerOutputFactory = (handlers: OutputHandlers) => ServerOutput;

/** The server writes straight to podvisor's stdout and stderr. */
export const inheritOutput: ServerOutputFactory = () => ({
  stdout: 'inherit',
  stderr: 'inherit',
  attach: async () => {},
});
