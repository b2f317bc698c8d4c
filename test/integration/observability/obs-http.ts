import { spawnSync } from 'node:child_process';
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
