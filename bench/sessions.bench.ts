/**
 * Sessions of the reference streaming server under podvisor, two figures:
 * - 10,000 open streams (real TCP clients, each having received its first frame), then SIGTERM to podvisor:
 *   the time until every stream has ended (goal: within 1 s), and until podvisor has exited;
 * - the kit's cost per frame: frames/s of the reference server's frame loop over 10,000 in-memory viewers
 *   with 1 % of them leaving and joining every round, sessions kept by the kit vs. in a plain Map.
 * Progress on stderr, one JSON object on stdout. Raises its own open-files soft limit (re-executes itself under
 * `ulimit -n`), since 10,000 sockets on each side do not fit the usual 1024.
 * node bench/sessions.bench.ts [TRIALS]
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameLine } from '../src/reference-server/frames.ts';
import { createServerKit, NO_CHANNEL, type Session } from '../src/server/index.ts';
import { freePort } from '../test/helpers/podvisor-process.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TRIALS = Number(process.argv[2] ?? 3);
const SESSIONS = 10_000;
const NEEDED_FILES = SESSIONS + 2000;

interface Row {
  readonly subject: string;
  readonly metric: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly trials: number;
  readonly goal?: string;
  readonly note?: string;
}

function progress(text: string): void {
  process.stderr.write(`[bench sessions] ${text}\n`);
}

function row(metric: string, unit: string, values: readonly number[], extra: { goal?: string; note?: string } = {}): Row {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const round = (value: number): number => Number(value.toPrecision(4));
  return { subject: 'podvisor', metric, unit, median: round(median), min: round(sorted[0] as number), max: round(sorted.at(-1) as number), trials: sorted.length, ...extra };
}

function softFileLimit(): number {
  const result = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  return result.stdout.trim() === 'unlimited' ? Infinity : Number(result.stdout.trim());
}


function getJson(port: number, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    }).once('error', reject);
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Viewer {
  readonly socket: Socket;
  framed: boolean;
  ended: boolean;
  final: boolean;
  tail: string;
}

/** One raw HTTP client per stream: cheaper than http.get at 10,000, and it sees the bytes as they come. */
function openViewer(port: number, index: number, onFirstFrame: () => void, onEnd: () => void): Viewer {
  const socket = connect(port, '127.0.0.1');
  const viewer: Viewer = { socket, framed: false, ended: false, final: false, tail: '' };
  socket.setEncoding('utf8');
  socket.on('connect', () => socket.write(`GET /live/bench-${index % 100} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
  const end = (): void => {
    if (viewer.ended) return;
    viewer.ended = true;
    onEnd();
  };
  socket.on('data', (chunk: string) => {
    viewer.tail = (viewer.tail + chunk).slice(-256);
    if (!viewer.framed && viewer.tail.includes('"sequence":0')) {
      viewer.framed = true;
      onFirstFrame();
    }
    if (viewer.tail.includes('"final":true')) viewer.final = true;
    // The stream has ended when its chunked body has: the terminating zero-length chunk arrived.
    if (viewer.final && viewer.tail.endsWith('\r\n0\r\n\r\n')) end();
  });
  socket.on('end', end);
  socket.on('close', end);
  socket.on('error', end);
  return viewer;
}

interface ShutdownTrial {
  readonly openPerSecond: number;
  readonly reportedAfterMs: number;
  readonly allEndedMs: number;
  readonly exitedMs: number;
  readonly finalFrames: number;
  readonly status: number | null;
}

async function shutdownTrial(): Promise<ShutdownTrial> {
  const streamPort = await freePort();
  const httpPort = await freePort();
  const podvisor = spawn(join(ROOT, 'bin', 'podvisor'), [], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: {
      ...process.env,
      STREAM_PORT: String(streamPort),
      STREAM_HOST: '127.0.0.1',
      STREAM_FRAME_INTERVAL_MS: '1000',
      PODVISOR_HTTP_PORT: String(httpPort),
      PODVISOR_HTTP_HOST: '127.0.0.1',
      PODVISOR_LOG_LEVEL: 'warn',
      PODVISOR_KUBERNETES: 'off',
    },
  });
  const exited = once(podvisor, 'exit') as Promise<[number | null]>;
  const viewers: Viewer[] = [];
  try {
    await until(async () => (await getJson(streamPort, '/').catch((): Record<string, unknown> => ({})))['state'] === 'running', 'the reference server to run', 15_000);
    let framed = 0;
    let ended = 0;
    const openedAt = performance.now();
    // In batches, so that the listen backlog never overflows.
    for (let start = 0; start < SESSIONS; start += 500) {
      const target = Math.min(start + 500, SESSIONS);
      for (let index = start; index < target; index++) viewers.push(openViewer(streamPort, index, () => framed++, () => ended++));
      await until(() => framed >= target || ended > 0, `${target} streams to get their first frame`, 30_000);
      if (ended > 0) throw new Error(`${ended} stream(s) ended while opening (open-files limit?)`);
    }
    const allOpenAt = performance.now();
    await until(async () => (await getJson(httpPort, '/status'))['sessions'] === SESSIONS, 'podvisor to count every session', 15_000);
    const reportedAt = performance.now();

    const signalledAt = performance.now();
    podvisor.kill('SIGTERM');
    await until(() => ended === SESSIONS, 'every stream to end', 20_000);
    const allEndedAt = performance.now();
    const [status] = await exited;
    const exitedAt = performance.now();
    return {
      openPerSecond: SESSIONS / ((allOpenAt - openedAt) / 1000),
      reportedAfterMs: reportedAt - allOpenAt,
      allEndedMs: allEndedAt - signalledAt,
      exitedMs: exitedAt - signalledAt,
      finalFrames: viewers.filter((viewer) => viewer.final).length,
      status,
    };
  } finally {
    for (const viewer of viewers) viewer.socket.destroy();
    if (podvisor.exitCode === null && podvisor.signalCode === null) podvisor.kill('SIGKILL');
  }
}

const kit = createServerKit({ channel: NO_CHANNEL, handleSignals: false, consoleVerbosity: false, exit: () => {} });
kit.setState('running');

/**
 * The reference server's frame loop over in-memory viewers, each registered as a kit session (`withKit`) or in
 * a plain Map (what a server without the kit would still keep), with the same allocations per session.
 */
function framesPerSecond(withKit: boolean): number {
  const plain = new Map<number, { end(): void; kill(): void }>();
  let nextId = 0;
  const plainSession = (control: { end(): void; kill(): void }): Session => {
    const id = nextId++;
    plain.set(id, control);
    return { id, close: () => plain.delete(id) };
  };
  let bytes = 0;
  const sink = { write: (line: string) => (bytes += line.length) };
  interface Watcher {
    readonly channel: string;
    sequence: number;
    session: Session | undefined;
  }
  const join = (index: number): Watcher => {
    const control = { end: () => {}, kill: () => {} };
    return { channel: `bench-${index % 100}`, sequence: 0, session: withKit ? kit.openSession(control) : plainSession(control) };
  };
  const viewers = new Set<Watcher>();
  for (let index = 0; index < SESSIONS; index++) viewers.add(join(index));
  const rounds = 200;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const time = new Date().toISOString();
    for (const viewer of viewers) sink.write(frameLine(viewer.channel, viewer.sequence++, time));
    // 1 % of the viewers leave and others join, every round.
    let leaving = SESSIONS / 100;
    for (const viewer of viewers) {
      if (leaving-- === 0) break;
      viewer.session?.close();
      viewers.delete(viewer);
      viewers.add(join(round));
    }
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  for (const viewer of viewers) viewer.session?.close();
  if (bytes === 0 || kit.sessionCount !== 0 || plain.size !== 0) throw new Error('no frames, or sessions left over');
  return (rounds * SESSIONS) / elapsedSeconds;
}

async function main(): Promise<void> {
  const trials: ShutdownTrial[] = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const result = await shutdownTrial();
    progress(`trial ${trial}: ${JSON.stringify(result)}`);
    if (result.status !== 0) throw new Error(`podvisor exited ${result.status} after SIGTERM, not 0`);
    trials.push(result);
  }
  const withKit: number[] = [];
  const withoutKit: number[] = [];
  framesPerSecond(true);
  framesPerSecond(false);
  for (let trial = 0; trial < 11; trial++) {
    // Alternating which goes first, so that neither always runs on the other's garbage.
    if (trial % 2 === 0) {
      withKit.push(framesPerSecond(true));
      withoutKit.push(framesPerSecond(false));
    } else {
      withoutKit.push(framesPerSecond(false));
      withKit.push(framesPerSecond(true));
    }
  }
  const ratios = withKit.map((value, index) => value / (withoutKit[index] as number));
  const rows: Row[] = [
    row(`${SESSIONS} open streams: SIGTERM → every stream ended (final frame and end of body received)`, 'ms', trials.map((trial) => trial.allEndedMs), { goal: '≤ 1000 ms', note: `streams that got their final frame: ${trials.map((trial) => trial.finalFrames).join(', ')} of ${SESSIONS}` }),
    row(`${SESSIONS} open streams: SIGTERM → podvisor exited 0`, 'ms', trials.map((trial) => trial.exitedMs)),
    row(`${SESSIONS} streams opened (each to its first frame)`, 'sessions/s', trials.map((trial) => trial.openPerSecond)),
    row('last session opened → podvisor /status counts all', 'ms', trials.map((trial) => trial.reportedAfterMs)),
    row(`frame loop, ${SESSIONS} viewers, 1 % churn per round, with kit sessions`, 'frames/s', withKit),
    row(`frame loop, ${SESSIONS} viewers, 1 % churn per round, sessions in a plain Map instead`, 'frames/s', withoutKit),
    row('frame loop: kit ÷ plain Map', 'ratio', ratios, { goal: '≈ 1 (nothing measurable per frame)' }),
  ];
  process.stdout.write(`${JSON.stringify({ name: 'sessions', rows })}\n`);
}

if (softFileLimit() < NEEDED_FILES && process.env['SESSIONS_BENCH_LIMIT_RAISED'] === undefined) {
  // Raise the soft limit to the hard one (and the children inherit it), then run this file again.
  const result = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'sh', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SESSIONS_BENCH_LIMIT_RAISED: '1' },
  });
  process.exit(result.status ?? 1);
} else if (softFileLimit() < NEEDED_FILES) {
  progress(`the open-files limit is ${softFileLimit()}, below the ${NEEDED_FILES} that ${SESSIONS} sessions need; raise the hard limit (ulimit -Hn) and run again`);
  process.exit(1);
} else {
  await main();
}
