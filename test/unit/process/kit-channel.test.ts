import assert from 'node:assert/strict';
import { spawn, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { CHANNEL_FD } from '../../../src/ipc/protocol.ts';
import { BoundedLines, DROP_REPORT_INTERVAL_MS, KitChannel, type DroppedLine } from '../../../src/process/kit-channel.ts';

function split(chunks: string[], limit: number): { lines: string[]; tooLong: number } {
  const splitter = new BoundedLines(limit);
  const lines: string[] = [];
  let tooLong = 0;
  for (const chunk of chunks) splitter.push(Buffer.from(chunk), (line) => lines.push(line), () => (tooLong += 1));
  return { lines, tooLong };
}

describe('bounded lines', () => {
  it('splits across chunks', () => assert.deepEqual(split(['ab', 'c\nd', 'e\n'], 10), { lines: ['abc', 'de'], tooLong: 0 }));
  it('drops a line over the limit whole, once, and goes on after it', () => assert.deepEqual(split(['12345', '6789012', '345\nok\n'], 10), { lines: ['ok'], tooLong: 1 }));
  it('a line of exactly the limit passes', () => assert.deepEqual(split(['1234567890\n'], 10), { lines: ['1234567890'], tooLong: 0 }));
  it('empty lines are lines', () => assert.deepEqual(split(['\n\n'], 10), { lines: ['', ''], tooLong: 0 }));
});

async function channelOf(script: string, now?: () => number): Promise<{ messages: number; drops: Array<[DroppedLine, number]>; code: number | null }> {
  const channel = KitChannel.open();
  assert.ok(channel);
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit'];
  while (stdio.length < CHANNEL_FD) stdio.push('ignore');
  stdio.push(channel.serverFd);
  const child = spawn('bash', ['-c', script], { stdio });
  channel.serverHasIt();
  let messages = 0;
  const drops: Array<[DroppedLine, number]> = [];
  channel.listen({ onMessage: () => (messages += 1), onDropped: (why, count) => drops.push([why, count]) }, now);
  const [code] = (await once(child, 'exit')) as [number | null];
  await channel.ended();
  await channel.close();
  return { messages, drops, code };
}

describe("a server's writes on its kit channel (real processes)", () => {
  it('garbage is dropped: the first at once, the rest counted into one later report', async () => {
    const result = await channelOf(`echo hello >&${CHANNEL_FD}; echo '{"podvisor":1,"type":"sessions","count":1}' >&${CHANNEL_FD}; for i in 1 2 3; do echo junk >&${CHANNEL_FD}; done`);
    assert.equal(result.messages, 1);
    assert.deepEqual(result.drops, [['not JSON', 1], ['not JSON', 3]]);
  });

  it('a line without end is dropped as too long, with bounded memory', async () => {
    const result = await channelOf(`head -c 3000000 /dev/zero | tr '\\0' a >&${CHANNEL_FD}; echo >&${CHANNEL_FD}; echo '{"podvisor":1,"type":"state","state":"idle"}' >&${CHANNEL_FD}`);
    assert.equal(result.messages, 1, 'the message after the long line still arrives');
    assert.deepEqual(result.drops, [['longer than 4096 bytes', 1]]);
  });

  it('after the report interval, a new drop is reported again', async () => {
    let clock = 0;
    const result = await channelOf(`echo a >&${CHANNEL_FD}; sleep 0.2; echo b >&${CHANNEL_FD}`, () => {
      clock += DROP_REPORT_INTERVAL_MS;
      return clock;
    });
    assert.deepEqual(result.drops, [['not JSON', 1], ['not JSON', 1]]);
  });
});
