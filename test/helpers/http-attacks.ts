/**
 * Hostile clients of podvisor's HTTP port, as real connections on loopback, each bounded in count and stopped by
 * its caller: the attacks of docs/security.md, shared by the tests and bench/. Every attack re-opens a connection
 * that podvisor closes, as a determined client would.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface Attack {
  /** Connections opened so far (re-opened ones included). */
  readonly opened: () => number;
  /** Closes every connection and stops re-opening them. */
  stop(): Promise<void>;
}

const REQUEST = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: podvisor\r\n\r\n`;

/** Keeps `count` connections open, each made by `open`; one that closes is replaced at once. */
function sustained(port: number, count: number, setUp: (socket: Socket) => (() => void) | undefined): Attack {
  const sockets = new Set<Socket>();
  let stopped = false;
  let opened = 0;
  const open = (): void => {
    if (stopped) return;
    opened += 1;
    const socket = connect({ port, host: '127.0.0.1' });
    sockets.add(socket);
    let cleanup: (() => void) | undefined;
    socket.once('connect', () => {
      cleanup = setUp(socket);
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      cleanup?.();
      sockets.delete(socket);
      // Re-open on the next turn: a client that reconnects at once, not a tight loop inside one callback.
      if (!stopped) setImmediate(open);
    });
  };
  for (let index = 0; index < count; index++) open();
  return {
    opened: () => opened,
    async stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

/**
 * (a) `count` connections that send nothing, or (with `trickleMs`) a request line and then one header line every
 * `trickleMs`, never finishing the head (slowloris).
 */
export function silentConnections(port: number, count: number, options: { trickleMs?: number } = {}): Attack {
  return sustained(port, count, (socket) => {
    socket.resume();
    if (options.trickleMs === undefined) return undefined;
    socket.write('GET /healthz HTTP/1.1\r\nHost: podvisor\r\n');
    let line = 0;
    const timer = setInterval(() => socket.write(`X-Line-${line++}: a\r\n`), options.trickleMs);
    return () => clearInterval(timer);
  });
}

/** (b) `count` connections that write `perWrite` pipelined GETs of `path` whenever the kernel takes them, and never read. */
export function pipeliners(port: number, count: number, path: string, perWrite = 50): Attack {
  const batch = Buffer.from(REQUEST(path).repeat(perWrite));
  return sustained(port, count, (socket) => {
    socket.pause();
    let active = true;
    const pump = (): void => {
      if (!active || socket.destroyed) return;
      // One write a turn, so that many connections pump at once; wait for the kernel when it is full.
      if (socket.write(batch)) setImmediate(pump);
      else socket.once('drain', pump);
    };
    pump();
    return () => {
      active = false;
    };
  });
}

/** (c) `count` kept-alive connections, each sending the next GET of `path` as soon as the answer is in (wrk -c). */
export function keepAliveStorm(port: number, count: number, path: string): Attack & { readonly answers: () => number } {
  let answers = 0;
  const request = Buffer.from(REQUEST(path));
  const attack = sustained(port, count, (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const length = Number(/content-length: *(\d+)/i.exec(pending.toString('latin1', 0, headEnd))?.[1] ?? 0);
        if (pending.length < headEnd + 4 + length) return;
        pending = pending.subarray(headEnd + 4 + length);
        answers += 1;
        socket.write(request);
      }
    });
    socket.write(request);
    return undefined;
  });
  return { ...attack, answers: () => answers };
}

/** (d) `count` connections that POST a body of `bytes` to /metrics as fast as the kernel takes it. */
export function largePosts(port: number, count: number, bytes: number): Attack {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  return sustained(port, count, (socket) => {
    socket.resume();
    socket.write(`POST /metrics HTTP/1.1\r\nHost: podvisor\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\n\r\n`);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
    return undefined;
  });
}

export interface ProbeResult {
  readonly status: number;
  readonly ms: number;
  readonly error?: string;
}

/** One probe as the kubelet sends it: a fresh connection, GET `path`, `Connection: close`; fails after `timeoutMs`. */
export function probe(port: number, path: string, timeoutMs = 1000): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: 0, ms: performance.now() - started, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: podvisor\r\nUser-Agent: kube-probe/1.34\r\nConnection: close\r\n\r\n`));
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      text += chunk;
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1] ?? 0);
      if (text.length >= headEnd + 4 + length) finish({ status: Number(text.slice(9, 12)), ms: performance.now() - started });
    });
    socket.on('error', (error) => finish({ status: 0, ms: performance.now() - started, error: error.message }));
    socket.on('close', () => finish({ status: 0, ms: performance.now() - started, error: `closed after ${JSON.stringify(text.slice(0, 80))}` }));
  });
}

/** Probes `paths` in turn every `everyMs` for `durationMs`; every result. */
export async function probeRepeatedly(port: number, paths: readonly string[], durationMs: number, everyMs = 200): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const until = performance.now() + durationMs;
  for (let index = 0; performance.now() < until; index++) {
    const next = performance.now() + everyMs;
    results.push(await probe(port, paths[index % paths.length] as string));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  return results;
}

/** A process's resident memory in MB (VmRSS), sampled every `everyMs` until `stop` is called: the peak. */
export function watchRss(pid: number, everyMs = 100): { readonly peak: () => number; stop(): number } {
  let peak = 0;
  const sample = (): void => {
    try {
      const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'));
      peak = Math.max(peak, Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024);
    } catch {
      // The process is gone.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export type AttackKind = 'silent' | 'trickle' | 'pipeline' | 'keep-alive' | 'post';

/**
 * Runs an attack in a process of its own (test/fixtures/http-attacker.ts): its thousands of sockets must not slow
 * the prober's event loop, or the probes would measure the attacker. Resolves once it attacks.
 */
export async function spawnAttack(kind: AttackKind, port: number, count: number, path = '/metrics'): Promise<Attack> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const fixture = fileURLToPath(new URL('../fixtures/http-attacker.ts', import.meta.url));
  const child = spawn(process.execPath, [fixture, kind, String(port), String(count), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (output.includes('attacking\n')) resolve();
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`the attacker exited ${code} before attacking`)));
  });
  let opened = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    opened: () => opened,
    stop() {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
        opened = Number(/opened (\d+)/.exec(output)?.[1] ?? 0);
      })();
      return stopping;
    },
  };
}
