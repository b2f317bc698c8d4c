import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino, type Logger } from 'pino';
import type { KitMessage } from '../../../src/ipc/protocol.ts';
import { createServerKit, type ServerHandlers, type ServerKit, type ServerKitOptions } from '../../../src/server/index.ts';
import type { PodvisorChannel } from '../../../src/server/podvisor-channel.ts';

interface Harness {
  readonly kit: ServerKit;
  readonly messages: KitMessage[];
  readonly exits: number[];
  readonly errors: string[];
  /** Runs the kit; resolves with the code it exited with. */
  run(handlers?: Partial<ServerHandlers>): Promise<number>;
}

/** A kit whose channel records messages and whose exit records codes; no signal handlers (the test is the process). */
function harness(options: ServerKitOptions = {}): Harness {
  const messages: KitMessage[] = [];
  const exits: number[] = [];
  const errors: string[] = [];
  const channel: PodvisorChannel = { connected: false, send: (message) => messages.push(message), flush: () => Promise.resolve(), onDisconnect: () => {} };
  const kit = createServerKit({ channel, exit: (code) => exits.push(code), handleSignals: false, consoleVerbosity: false, tickMs: 20, sessionReportIntervalMs: 1, drainSeconds: 1, ...options });
  kit.addErrorLogListener((entry) => errors.push(`${entry.verbosity}:${entry.message}`));
  return { kit, messages, exits, errors, run: (handlers = {}) => kit.run({ start: () => {}, ...handlers }) };
}

const states = (messages: readonly KitMessage[]): string[] => messages.flatMap((message) => (message.type === 'state' ? [message.state] : []));
const sessionCounts = (messages: readonly KitMessage[]): number[] => messages.flatMap((message) => (message.type === 'sessions' ? [message.count] : []));
const until = async (condition: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

test('hello and sessions 0 first; running once start() resolves; SIGTERM-like stop drains and exits 0', async () => {
  const { kit, messages, exits, run } = harness();
  assert.deepEqual(messages.slice(0, 2), [
    { podvisor: 1, type: 'hello', state: 'starting', pid: process.pid },
    { podvisor: 1, type: 'sessions', count: 0 },
  ]);
  let stopped = false;
  const running = run({ stop: () => { stopped = true; } });
  await until(() => kit.state === 'running');
  kit.requestStop('terminate');
  assert.equal(await running, 0);
  assert.deepEqual(exits, [0]);
  assert.ok(stopped);
  assert.deepEqual(states(messages), ['running', 'shutting_down']);
});

test('running accepts sessions; refusing_connections refuses new ones and keeps the rest', async () => {
  const { kit, run } = harness();
  const running = run();
  await until(() => kit.state === 'running');
  let killed = 0;
  const first = kit.openSession({ end: () => {}, kill: () => killed++ });
  assert.ok(first);
  assert.ok(kit.setState('refusing_connections'));
  assert.equal(kit.openSession({ end: () => {}, kill: () => killed++ }), undefined);
  assert.equal(kit.acceptingSessions, false);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(kit.sessionCount, 1);
  assert.equal(killed, 0);
  kit.setState('running');
  const second = kit.openSession({ end: () => {}, kill: () => killed++ });
  assert.ok(second);
  first.close();
  second.close();
  kit.requestStop('terminate');
  assert.equal(await running, 0);
});

test('idle refuses new sessions and kills existing ones at once and at every tick', async () => {
  const { kit, messages, run } = harness();
  const running = run();
  await until(() => kit.state === 'running');
  let killed = 0;
  for (let i = 0; i < 3; i++) kit.openSession({ end: () => {}, kill: () => killed++ });
  kit.setState('idle');
  assert.equal(killed, 3);
  assert.equal(kit.sessionCount, 0);
  assert.equal(kit.openSession({ end: () => {}, kill: () => killed++ }), undefined);
  await until(() => sessionCounts(messages).at(-1) === 0);
  assert.deepEqual(states(messages), ['running', 'idle']);
  kit.requestStop('terminate');
  assert.equal(await running, 0);
});

test('shutdown asks every session to end and exits as soon as they have', async () => {
  const { kit, run } = harness({ drainSeconds: 30 });
  const running = run();
  await until(() => kit.state === 'running');
  const ended: number[] = [];
  for (let i = 0; i < 5; i++) {
    const session = kit.openSession({ end: () => setTimeout(() => { ended.push(i); session?.close(); }, 10), kill: () => assert.fail('not killed') });
  }
  const started = Date.now();
  kit.requestStop('terminate');
  assert.equal(await running, 0);
  assert.equal(ended.length, 5);
  assert.ok(Date.now() - started < 5000, 'did not wait for the 30 s drain deadline');
});

test('a session that does not end is closed at the drain deadline', async () => {
  const { kit, errors, run } = harness({ drainSeconds: 0.2 });
  const running = run();
  await until(() => kit.state === 'running');
  let killed = false;
  kit.openSession({ end: () => {}, kill: () => { killed = true; } });
  const started = Date.now();
  kit.requestStop('terminate');
  assert.equal(await running, 0);
  assert.ok(killed);
  assert.ok(Date.now() - started >= 150);
  assert.ok(errors.some((line) => line.startsWith('warning:1 session(s) did not end')));
});

test('SIGINT-like stop exits 254; a SIGTERM during that drain makes it 0', async () => {
  const interrupted = harness();
  const first = interrupted.run();
  await until(() => interrupted.kit.state === 'running');
  interrupted.kit.requestStop('interrupt');
  assert.equal(await first, 254);

  const quitting = harness({ drainSeconds: 5 });
  const second = quitting.run();
  await until(() => quitting.kit.state === 'running');
  const session = quitting.kit.openSession({ end: () => {}, kill: () => {} });
  quitting.kit.requestStop('interrupt');
  quitting.kit.requestStop('terminate');
  session?.close();
  assert.equal(await second, 0);
  assert.deepEqual(states(quitting.messages), ['running', 'shutting_down']);
});

test('logError at fatal verbosity: podvisor is told first, the state is fatal_error, the run loop ends with 254', async () => {
  const { kit, messages, errors, run } = harness();
  const running = run();
  await until(() => kit.state === 'running');
  kit.logError('warning', 'just a warning');
  assert.equal(kit.state, 'running');
  kit.logError('fatal', 'the disk is gone');
  assert.equal(kit.state, 'fatal_error');
  assert.equal(kit.openSession({ end: () => {}, kill: () => {} }), undefined);
  assert.equal(await running, 254);
  const fatalIndex = messages.findIndex((message) => message.type === 'fatal');
  assert.deepEqual(messages[fatalIndex], { podvisor: 1, type: 'fatal', message: 'the disk is gone' });
  assert.deepEqual(states(messages), ['running', 'fatal_error']);
  assert.deepEqual(errors, ['warning:just a warning', 'fatal:the disk is gone']);
});

test('a pino line at the threshold does what logError fatal does', async () => {
  const { kit, messages, run } = harness();
  const lines: string[] = [];
  const log: Logger = pino({ hooks: kit.pinoHooks({ threshold: 'error' }) }, new Writable({ write: (chunk: Buffer, _encoding, done) => { lines.push(chunk.toString()); done(); } }));
  const running = run();
  await until(() => kit.state === 'running');
  log.warn('fine');
  log.error({ code: 'E1' }, 'out of memory');
  assert.equal(await running, 254);
  assert.ok(messages.some((message) => message.type === 'fatal' && message.message === 'out of memory'));
  assert.equal(lines.length, 2);
});

test('a start() that throws is a start-up failure: exit 255, podvisor never hears of a fatal error', async () => {
  const { messages, exits, run } = harness();
  assert.equal(await run({ start: () => Promise.reject(new Error('port in use')) }), 255);
  assert.deepEqual(exits, [255]);
  assert.ok(!messages.some((message) => message.type === 'fatal' || (message.type === 'state' && message.state === 'fatal_error')));
});

test('a fatal error logged during start-up is a start-up failure too (the Darwin Streaming Server exits -1)', async () => {
  const { kit, messages, run } = harness();
  assert.equal(await run({ start: () => kit.logError('fatal', 'no config') }), 255);
  assert.ok(!messages.some((message) => message.type === 'fatal'));
});

test('a stop requested during start-up drains right after start and exits 0', async () => {
  const { kit, messages, run } = harness();
  const code = await run({ start: () => kit.requestStop('terminate') });
  assert.equal(code, 0);
  assert.deepEqual(states(messages), ['shutting_down']);
});

test('session counts are coalesced, and the last one always arrives', async () => {
  const { kit, messages, run } = harness({ sessionReportIntervalMs: 20 });
  const running = run();
  await until(() => kit.state === 'running');
  const sessions = [];
  for (let i = 0; i < 10_000; i++) sessions.push(kit.openSession({ end: () => {}, kill: () => {} }));
  assert.ok(sessionCounts(messages).length <= 2, 'no message per session');
  await until(() => sessionCounts(messages).at(-1) === 10_000);
  for (const session of sessions.slice(0, 4000)) session?.close();
  kit.requestStop('terminate');
  for (const session of sessions.slice(4000)) session?.close();
  assert.equal(await running, 0);
  assert.equal(sessionCounts(messages).at(-1), 0);
  assert.ok(sessionCounts(messages).length < 20);
});

test('the state listener hears every change; setState does not leave shutting_down', async () => {
  const { kit, run } = harness();
  const heard: string[] = [];
  kit.onStateChange((state, previous) => heard.push(`${previous}->${state}`));
  const running = run();
  await until(() => kit.state === 'running');
  kit.setState('idle');
  kit.setState('shutting_down');
  assert.equal(kit.setState('running'), false);
  assert.equal(await running, 0);
  assert.deepEqual(heard, ['starting->running', 'running->idle', 'idle->shutting_down']);
});
