import assert from 'node:assert/strict';
import { spawn, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHANNEL_FD, type KitMessage } from '../../../src/ipc/protocol.ts';
import { KitChannel } from '../../../src/process/kit-channel.ts';
import { NO_CHANNEL, podvisorChannel, SessionCountReporter } from '../../../src/server/podvisor-channel.ts';
import { FIXTURES, NODE } from '../../helpers/podvisor-process.ts';

test('alone (no channel in the environment), the channel is a no-op', async () => {
  const channel = podvisorChannel({});
  assert.equal(channel, NO_CHANNEL);
  assert.equal(channel.connected, false);
  channel.send({ podvisor: 1, type: 'sessions', count: 1 });
  await channel.flush(10);
  assert.equal(podvisorChannel({ PODVISOR_CHANNEL_FD: 'x' }), NO_CHANNEL, 'a variable that is not a descriptor: no channel');
});

test('over a real kit channel: well-formed messages, the last count arrives, and the channel keeps nobody alive', async () => {
  const channel = KitChannel.open();
  assert.ok(channel, 'the kernel gives a socket pair');
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit'];
  while (stdio.length < CHANNEL_FD) stdio.push('ignore');
  stdio.push(channel.serverFd);
  const child = spawn(NODE, [join(FIXTURES, 'kit-channel-child.ts')], { stdio, env: { ...process.env, PODVISOR_CHANNEL_FD: String(CHANNEL_FD) } });
  channel.serverHasIt();
  const messages: KitMessage[] = [];
  const dropped: string[] = [];
  channel.listen({ onMessage: (message) => messages.push(message), onDropped: (why) => dropped.push(why) });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  await channel.ended();
  await channel.close();
  assert.equal(code, 0, 'the server ended by itself although the channel was open');
  assert.deepEqual(dropped, []);
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
