import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

/** One answer of podvisor's HTTP port. */
export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** GETs `path` from podvisor on 127.0.0.1:`port` (a fresh connection unless an agent is given). */
export function get(port: number, path: string, options: { agent?: Agent; accept?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path, agent: options.agent ?? false, headers: options.accept === undefined ? {} : { Accept: options.accept }, timeout: options.timeoutMs ?? 5000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), body }));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** The value of one sample line (`name{labels}` exactly as exposed), or undefined. */
export function sample(body: string, series: string): number | undefined {
  for (const line of body.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Runs the real `promtool check metrics` on an exposition; returns its status and what it said. */
export function promtoolCheck(body: string): { readonly status: number | null; readonly output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export interface LoadResult {
  /** Milliseconds from sending each request to the end of its answer, for the requests that succeeded. */
  readonly latenciesMs: number[];
  /** Requests that failed (connection error, timeout, a status other than 200, an empty exposition). */
  readonly errors: string[];
  readonly sent: number;
}

/**
 * GETs `path` at `perSecond` requests a second for `durationMs`, as a scraper fleet would: a paced schedule that
 * catches up when timers fire late, over at most `sockets` kept-alive connections.
 */
export async function scrapeAtRate(port: number, path: string, perSecond: number, durationMs: number, sockets = 16): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const latenciesMs: number[] = [];
  const errors: string[] = [];
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed / 1000) * perSecond), Math.floor((durationMs / 1000) * perSecond));
      while (sent < due) {
        sent += 1;
        const sentAt = performance.now();
        pending.push(
          get(port, path, { agent, timeoutMs: 5000 }).then(
            (answer) => {
              if (answer.status !== 200 || (path === '/metrics' && !answer.body.includes('podvisor_'))) errors.push(`status ${answer.status}: ${answer.body.slice(0, 200)}`);
              else latenciesMs.push(performance.now() - sentAt);
            },
            (error: unknown) => {
              errors.push(String(error));
            },
          ),
        );
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  await Promise.all(pending);
  agent.destroy();
  return { latenciesMs, errors, sent };
}

/** From a fixture's "start <ms>" / "exit <ms>" lines: each exit → the next start, in ms, with when it happened. */
export function restartLatencies(timesFile: string): Array<{ readonly at: number; readonly ms: number }> {
  const lines = readFileSync(timesFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ') as [string, string]);
  const latencies: Array<{ at: number; ms: number }> = [];
  for (let index = 1; index < lines.length; index += 1) {
    const [previousKind, previousAt] = lines[index - 1] as [string, string];
    const [kind, at] = lines[index] as [string, string];
    if (previousKind === 'exit' && kind === 'start') latencies.push({ at: Number(at), ms: Number(at) - Number(previousAt) });
  }
  return latencies;
}

export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] as number;
}
