import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { asKitMessage, type KitMessage } from '../../../src/ipc/protocol.ts';
import { ipcChannel, NO_CHANNEL, SessionCountReporter } from '../../../src/server/podvisor-channel.ts';
import { FIXTURES } from '../../helpers/podvisor-process.ts';

test('alone (no IPC), the channel is a no-op', async () => {
  const channel = ipcChannel({ send: undefined } as unknown as NodeJS.Process);
  assert.equal(channel, NO_CHANNEL);
  assert.equal(channel.connected, false);
  channel.send({ podvisor: 1, type: 'sessions', count: 1 });
  await channel.flush(10);
});

test('over a real IPC channel: well-formed messages, the last count arrives, and the channel keeps nobody alive', async () => {
  const child = fork(join(FIXTURES, 'kit-ipc-child.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  const messages: KitMessage[] = [];
  child.on('message', (raw) => {
    const message = asKitMessage(raw);
    assert.ok(message, `a well-formed kit message: ${JSON.stringify(raw)}`);
    messages.push(message);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, 'the server ended by itself although the IPC channel was open');
  assert.equal(messages[0]?.type, 'hello');
  assert.ok(messages.some((message) => message.type === 'state' && message.state === 'running'));
  const counts = messages.flatMap((message) => (message.type === 'sessions' ? [message.count] : []));
  assert.equal(counts.at(-1), 2);
});

test('the reporter sends the first change after its interval, with the count of that moment, and skips repeats', async () => {
  const sent: number[] = [];
  const reporter = new SessionCountReporter((count) => sent.push(count), 10);
  for (let count = 1; count <= 1000; count++) reporter.changed(count);
  assert.deepEqual(sent, []);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(sent, [1000]);
  reporter.changed(999);
  reporter.changed(1000);
  reporter.flush();
  assert.deepEqual(sent, [1000]);
  reporter.changed(0);
  reporter.flush();
  assert.deepEqual(sent, [1000, 0]);
});
