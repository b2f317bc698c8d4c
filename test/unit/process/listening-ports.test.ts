import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { groupListeningSockets, heldSockets, MAX_DESCRIPTORS_LOOKED_AT, parseListeningSockets } from '../../../src/process/listening-ports.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:24E0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:24E0 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: garbage
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0051 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0
`;

describe('the listening sockets in /proc/net/tcp and tcp6', () => {
  it('IPv4: wildcard binds are reached on loopback; established sockets and garbage are skipped', () => {
    assert.deepEqual(parseListeningSockets(TCP, 4), [
      { host: '127.0.0.1', port: 8080, inode: 1001 },
      { host: '127.0.0.1', port: 9440, inode: 1002 },
    ]);
  });
  it('IPv6: :: is reached on ::1, ::1 stays', () => {
    assert.deepEqual(parseListeningSockets(TCP6, 6), [
      { host: '::1', port: 80, inode: 2001 },
      { host: '0:0:0:0:0:0:0:1', port: 81, inode: 2002 },
    ]);
  });
});

describe("a real process group's listening ports", () => {
  it('finds the port a child of the group listens on, and none for a group that does not listen', async () => {
    const server = spawn(process.execPath, ['-e', "require('net').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port) })"], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    const silent = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const [chunk] = (await once(server.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
      const port = Number(chunk.toString().trim());
      assert.deepEqual(groupListeningSockets(server.pid as number).map((socket) => [socket.host, socket.port]), [['127.0.0.1', port]]);
      assert.deepEqual(groupListeningSockets(silent.pid as number), []);
    } finally {
      server.kill('SIGKILL');
      silent.kill('SIGKILL');
    }
  });
});

describe('the look at descriptors is bounded (field: 20 processes × 19,000 fds stalled supervision for 1.9 s)', () => {
  it(`looks at no more than its budget (${MAX_DESCRIPTORS_LOOKED_AT} in podvisor), and stops once every socket is placed`, async () => {
    // 500 descriptors, then a listening socket: the highest fd, listed last in /proc/PID/fd.
    const script = "import os, socket, time\nfds = [os.open('/dev/null', os.O_RDONLY) for _ in range(500)]\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\nprint(os.stat(f'/proc/self/fd/{s.fileno()}').st_ino, flush=True)\ntime.sleep(30)\n";
    const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
      const inode = Number(chunk.toString().trim());
      const pid = child.pid as number;
      assert.deepEqual([...heldSockets([pid], new Set([inode]), 10)], [], 'not reached within 10 descriptors');
      assert.deepEqual([...heldSockets([pid], new Set([inode]), 1000)], [inode], 'found within 1000');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
