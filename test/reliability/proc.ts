// What the reliability suites read about a running podvisor: RSS, open fds, zombie children, /metrics.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** PODVISOR_RELIABILITY=long runs the long form (docs/performance.md, Reliability). */
export const LONG = process.env['PODVISOR_RELIABILITY'] === 'long';

export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Children of `pid` that are zombies (ps state Z). */
export function zombieChildren(pid: number): string[] {
  let output: string;
  try {
    output = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children at all
  }
  return output.trim().split('\n').filter((line) => /^\s*\d+\s+Z/.test(line));
}

/** The sum of a Prometheus sample's values over the series that match `labels` (all of them when empty). */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** Lines of a file written by a fixture (empty when it does not exist yet). */
export function linesOf(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

/** podvisor restarting at once and without limit, with /metrics on loopback `port`: the restart-loop suites' setup. */
export function restartLoopEnv(port: number): Record<string, string> {
  return {
    PODVISOR_LOG_LEVEL: 'info',
    PODVISOR_RESTART_DELAY_MS: '0',
    PODVISOR_START_LIMIT_BURST: '0',
    PODVISOR_HTTP_PORT: String(port),
    PODVISOR_HTTP_HOST: '127.0.0.1',
  };
}
