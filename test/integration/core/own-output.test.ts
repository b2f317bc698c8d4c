// podvisor's own stdout and stderr refusing writes: a full disk (/dev/full), a reader that went away (EPIPE).
// podvisor loses those lines and nothing else (field: with the error-log rule and the HTTP port off, a failing
// stderr ended PID 1 with exit 1, the server left running, no termination message).
import assert from 'node:assert/strict';
import { spawn, type StdioOptions } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PODVISOR, TEST_ENV } from '../../helpers/podvisor-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'podvisor-own-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A server that exits 3 on its first two starts and 0 on the third, and writes to both streams each time. */
function crashTwice(name: string): { command: string[]; starts: () => number } {
  const counter = join(dir, `${name}.starts`);
  const script = `echo start >> ${counter}; echo "to stdout"; echo "to stderr" >&2; n=$(wc -l < ${counter}); sleep 0.2; [ "$n" -ge 3 ] && exit 0; exit 3`;
  return { command: ['sh', '-c', script], starts: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length };
}

function run(args: readonly string[], stdio: StdioOptions, env: Readonly<Record<string, string>> = {}): Promise<number | null> {
  const child = spawn(PODVISOR, args, { stdio, env: { ...process.env, ...TEST_ENV, ...env } });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe("podvisor's own stdout and stderr refuse writes", () => {
  const cases: Array<[string, readonly string[], () => StdioOptions]> = [
    ['stderr is /dev/full, the error-log rule and the HTTP port off (the server writes to it directly)', ['--restart-on-log', 'off'], () => ['ignore', 'ignore', openSync('/dev/full', 'w')]],
    ['stdout and stderr are /dev/full, defaults (podvisor passes the server\'s lines through)', [], () => ['ignore', openSync('/dev/full', 'w'), openSync('/dev/full', 'w')]],
  ];
  for (const [name, flags, stdio] of cases) {
    it(`${name}: restarts as usual, exits 0, writes its termination message`, async () => {
      const server = crashTwice(name.slice(0, 12).replaceAll(/\W/g, '_'));
      const message = join(dir, `${server.starts.name}-${Math.random()}.termination`);
      const status = await run([...flags, '--restart-delay-ms', '0', '--termination-message-path', message, '--', ...server.command], stdio());
      assert.equal(status, 0);
      assert.equal(server.starts(), 3, 'started three times: two restarts after exit 3');
      assert.match(readFileSync(message, 'utf8'), /^podvisor exited 0: the server ended \(exit code 0\)\nserver's last exit: exit code 0, on its own\nrestarts: 2\n/);
    });
  }

  it('stdout and stderr are pipes whose reader has gone (EPIPE): restarts as usual, exits 0', async () => {
    const server = crashTwice('epipe');
    const child = spawn(PODVISOR, ['--restart-delay-ms', '0', '--', ...server.command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...TEST_ENV } });
    child.stdout.destroy();
    child.stderr.destroy();
    const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    assert.equal(status, 0);
    assert.equal(server.starts(), 3);
  });
});
