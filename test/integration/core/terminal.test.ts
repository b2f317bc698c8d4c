import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { eventually, message, PODVISOR, processExists, ROOT, TEST_ENV } from '../../helpers/podvisor-process.ts';
import { startOnTerminal, type TerminalSession } from '../../helpers/pty.ts';

/** The fields of /proc/<pid>/stat a terminal is about: process group, session, the terminal's foreground group. */
function terminalStat(pid: number): { readonly group: number; readonly session: number; readonly foreground: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { group: Number(fields[2]), session: Number(fields[3]), foreground: Number(fields[5]) };
}

/** Whether `pid` runs and its process group is the terminal's foreground. */
function inForeground(pid: number): boolean {
  try {
    const stat = terminalStat(pid);
    return stat.foreground === stat.group;
  } catch {
    return false;
  }
}

/** The pids of `parent`'s children named `name` (from /proc). */
function children(parent: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const parentPid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
      if (parentPid === parent && command === name) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** podvisor on a new terminal, as `docker run -it` or a login shell starts it. */
function onTerminal(command: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<TerminalSession> {
  return startOnTerminal([PODVISOR, '--', ...command], { env: { ...process.env, ...TEST_ENV, ...env } });
}

/** Types a shell command that prints `label-<n*n>` and what follows, and waits for the answer (not the echo of the command). */
async function ask(session: TerminalSession, label: string, what: string): Promise<string> {
  const from = session.mark();
  const n = 5 + Math.floor(Math.random() * 90);
  session.type(`echo "${label}-$(( ${n} * ${n} )) ${what}"\n`);
  const answer = new RegExp(`${label}-${n * n} ([^\\r\\n]*)\\r\\n`);
  await session.waitForScreen(answer, { from });
  return (answer.exec(session.screen().slice(from)) as RegExpExecArray)[1] as string;
}

describe('on a terminal: the server gets it as its controlling terminal and foreground process group', () => {
  const sessions: TerminalSession[] = [];
  after(() => {
    for (const session of sessions) session.kill();
  });
  const start = async (command: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<TerminalSession> => {
    const session = await onTerminal(command, env);
    sessions.push(session);
    return session;
  };

  it('bash -i has job control; Ctrl-C interrupts a sleep inside it, not bash; exit 0 ends podvisor with 0', async () => {
    const session = await start(['bash', '--norc', '-i']);
    const started = await session.waitForLog(message('server started'));
    assert.equal(started['terminal'], true);
    const [flags, pidText] = (await ask(session, 'shell', 'flags=$- pid=$$')).split(' ') as [string, string];
    const bash = Number(pidText.slice('pid='.length));
    assert.equal(bash, started['serverPid']);
    assert.match(flags, /^flags=\S*m/, 'monitor mode (job control) is on');
    assert.equal(session.screen().includes('no job control'), false, session.screen());
    assert.equal(session.screen().includes('cannot set terminal process group'), false, session.screen());
    const stat = terminalStat(bash);
    assert.equal(stat.group, bash, 'a process group of its own');
    assert.notEqual(stat.group, session.pid, "not podvisor's group");
    assert.equal(stat.session, terminalStat(session.pid).session, "in podvisor's session");
    assert.equal(stat.foreground, bash, "the terminal's foreground");

    session.type('sleep 30\n');
    await eventually(() => children(bash, 'sleep').length === 1, 'bash running sleep 30');
    const sleep = children(bash, 'sleep')[0] as number;
    await eventually(() => inForeground(sleep), "the sleep's job in the terminal's foreground");
    const typedAt = Date.now();
    session.type('\x03');
    await eventually(() => !processExists(sleep), 'the sleep interrupted by Ctrl-C', 10000);
    assert.ok(Date.now() - typedAt < 10000);
    assert.equal((await ask(session, 'after', 'pid=$$')), `pid=${bash}`, 'the same bash, still running');
    assert.equal(session.logs().filter(message('server started')).length, 1, 'podvisor did not restart bash');
    assert.equal(session.logs().some(message('restarting the server')), false);

    session.type('exit 0\n');
    assert.equal(await session.exited(), 0);
  });

  it("after Ctrl-C interrupted a job, exit in bash ends podvisor with bash's status (restart policy never)", async () => {
    const session = await start(['bash', '--norc', '-i'], { PODVISOR_RESTART_POLICY: 'never' });
    const bash = Number((await ask(session, 'ready', 'pid=$$')).slice('pid='.length));
    session.type('sleep 30\n');
    await eventually(() => children(bash, 'sleep').some(inForeground), "sleep 30 in the terminal's foreground");
    session.type('\x03');
    await eventually(() => children(bash, 'sleep').length === 0, 'the sleep interrupted');
    session.type('exit 3\n');
    assert.equal(await session.exited(), 3);
  });

  it('a restarted server gets the terminal again; podvisor took it back in between', async () => {
    const session = await start(['bash', '--norc', '-i']);
    const first = Number((await ask(session, 'first', 'pid=$$')).slice('pid='.length));
    session.type('exit 5\n');
    await session.waitForLog(message('restarting the server', { reason: 'exit_code' }));
    const [flags, pidText] = (await ask(session, 'second', 'flags=$- pid=$$')).split(' ') as [string, string];
    const second = Number(pidText.slice('pid='.length));
    assert.notEqual(second, first);
    assert.match(flags, /^flags=\S*m/);
    assert.equal(terminalStat(second).foreground, second);
    assert.equal(session.screen().includes('no job control'), false, session.screen());
    session.type('exit 0\n');
    assert.equal(await session.exited(), 0);
  });

  it('Ctrl-C at a server that dies of it: a restart at once (reason sigint); Ctrl-C twice within 3 s quits with 0', async () => {
    const session = await start(['sleep', '100']);
    const first = await session.waitForLog(message('server started'));
    session.type('\x03');
    const restart = await session.waitForLog(message('restarting the server'));
    assert.equal(restart['reason'], 'sigint');
    assert.equal(restart['delayMs'], 0);
    await eventually(() => session.logs().filter(message('server started')).length === 2, 'the new server');
    assert.ok(!processExists(first['serverPid'] as number));
    session.type('\x03');
    assert.equal(await session.exited(), 0);
    assert.ok(session.logs().some(message('shutting down', { signal: 'SIGINT' })), JSON.stringify(session.logs()));
  });

  it('Ctrl-C at a server on the kit (it drains and exits 254): a restart at once (reason sigint), not a counted one; Ctrl-C twice quits with 0', async () => {
    // The reference streaming server, as `npm start` runs it (field: Ctrl-C restarted it with back-off and never quit).
    const session = await start([process.execPath, join(ROOT, 'dist', 'reference-server.js')], { STREAM_PORT: '0', PODVISOR_HTTP_PORT: '0' });
    // Its kit handles SIGINT from here on (before, Node would die of the Ctrl-C: another path).
    await session.waitForScreen(/reference streaming server listening/);
    session.type('\x03');
    const restart = await session.waitForLog(message('restarting the server'));
    assert.deepEqual([restart['reason'], restart['delayMs']], ['sigint', 0], JSON.stringify(restart));
    await eventually(() => (session.screen().match(/reference streaming server listening/g) ?? []).length === 2, 'the new server listening');
    session.type('\x03');
    assert.equal(await session.exited(), 0);
    assert.ok(session.logs().some(message('shutting down', { signal: 'SIGINT' })), JSON.stringify(session.logs()));
    assert.equal(session.logs().filter(message('restarting the server')).length, 1);
  });

  it('a server that did not say hello cannot report a keystroke on the channel (field: one forged line got it SIGKILLed)', async () => {
    const script = 'import os, time\nos.write(10, b\'{"podvisor":1,"type":"signal","signal":"SIGINT"}\\n\')\nprint("wr" + "ote", flush=True)\ntime.sleep(100)\n';
    const session = await start(['python3', '-c', script], { PODVISOR_DRAIN_SECONDS: '1', PODVISOR_KILL_GRACE_MS: '200' });
    await session.waitForScreen(/wrote/);
    await delay(2000);
    assert.equal(session.logs().filter(message('restarting the server')).length, 0, JSON.stringify(session.logs()));
    assert.equal(session.logs().filter(message('server started')).length, 1);
    process.kill(session.pid, 'SIGTERM');
    assert.equal(await session.exited(), 0);
  });

  it('Ctrl-C at a script that traps it and exits 130 (the shell\'s status for SIGINT): a restart at once (reason sigint)', async () => {
    const session = await start(['sh', '-c', "trap 'exit 130' INT; echo trap''ping; while :; do sleep 0.05; done"]);
    // As printed (the command line in podvisor's log holds trap''ping): the trap is set by then.
    await session.waitForScreen(/trapping/);
    session.type('\x03');
    const restart = await session.waitForLog(message('restarting the server'));
    assert.deepEqual([restart['reason'], restart['delayMs']], ['sigint', 0], JSON.stringify(restart));
    await eventually(() => session.logs().filter(message('server started')).length === 2, 'the new server');
    session.type('\x03');
    assert.equal(await session.exited(), 0);
  });

  it('Ctrl-\\ at a server that dies of it: podvisor shuts down as on SIGQUIT, exit 0', async () => {
    const session = await start(['sleep', '100']);
    await session.waitForLog(message('server started'));
    session.type('\x1c');
    assert.equal(await session.exited(), 0);
    assert.ok(session.logs().some(message('shutting down', { signal: 'SIGQUIT' })));
  });

  it('Ctrl-Z stops the server and gives podvisor the terminal: the next Ctrl-C reaches podvisor and restarts the server', async () => {
    const session = await start(['sleep', '100']);
    await session.waitForLog(message('server started'));
    session.type('\x1a');
    await session.waitForLog((line) => line['suspended'] === true);
    assert.equal(terminalStat(session.pid).foreground, terminalStat(session.pid).group, "podvisor's group is the foreground");
    session.type('\x03');
    const restart = await session.waitForLog(message('restarting the server'));
    assert.equal(restart['reason'], 'sigint');
    assert.match(String(restart['cause']), /sent by podvisor/);
    await eventually(() => session.logs().filter(message('server started')).length === 2, 'the new server');
    process.kill(session.pid, 'SIGTERM');
    assert.equal(await session.exited(), 0);
  });

  it("a server that joins podvisor's own process group is still stopped and killed at the deadline", async () => {
    // On a terminal the server is no session leader, so it may move to another group of podvisor's session. A stop
    // sent to its old group then reached nobody (field: podvisor still waited 8 s after SIGTERM, for the server's own end).
    const script = 'import os, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nos.setpgid(0, os.getpgid(os.getppid()))\nprint("jo" + "ined", flush=True)\ntime.sleep(100)\n';
    const session = await start(['python3', '-c', script], { PODVISOR_DRAIN_SECONDS: '1', PODVISOR_KILL_GRACE_MS: '500' });
    // The word as printed: the command line in podvisor's "server started" log line holds its two halves only.
    await session.waitForScreen(/joined/);
    const asked = Date.now();
    process.kill(session.pid, 'SIGTERM');
    assert.equal(await session.exited(), 137, 'killed at the deadline');
    const seconds = (Date.now() - asked) / 1000;
    assert.ok(seconds < 5, `podvisor ended ${seconds.toFixed(1)} s after SIGTERM (drain 1 s + grace 0.5 s)`);
  });

  it('the next server finds the terminal as podvisor found it, whatever the last one left (no echo, raw mode)', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'podvisor-terminal-')), 'first-run');
    const script = `if [ -e ${marker} ]; then stty -a; exit 0; fi; touch ${marker}; stty -echo -icanon; kill -9 $$`;
    const session = await start(['sh', '-c', script]);
    await session.waitForLog(message('restarting the server', { reason: 'signal' }));
    assert.equal(await session.exited(), 0);
    const settings = session.screen().slice(session.screen().indexOf('speed'));
    assert.match(settings, /(^|\s)echo(\s|$)/, settings);
    assert.match(settings, /(^|\s)icanon(\s|$)/, settings);
  });

  it('the server starts as libuv starts any child: no signal ignored or blocked, the kit channel at fd 10, nothing else of the launcher', async () => {
    // The shell reads its own status with a builtin: a child (grep) reading it races with the shell's wait, during
    // which dash blocks every signal (sigsuspend), and saw that mask one run in four.
    const readMasks = 'while read -r name value; do case $name in SigIgn:|SigBlk:) echo "$name $value";; esac; done < /proc/$$/status';
    const session = await start(['sh', '-c', `${readMasks}; echo "fds: $(ls /proc/$$/fd | sort -n | tr "\\n" " ")"; sleep 0.2`]);
    assert.equal(await session.exited(), 0);
    const screen = session.screen();
    assert.match(screen, /SigIgn:\s+0+\r\n/);
    assert.match(screen, /SigBlk:\s+0+\r\n/);
    const fds = (/fds: ([\d ]+)/.exec(screen) as RegExpExecArray)[1]?.trim().split(' ').map(Number) ?? [];
    assert.ok(fds.includes(10), `the kit channel: ${fds.join(' ')}`);
    assert.ok(!fds.includes(11), `the launcher's status descriptor is closed: ${fds.join(' ')}`);
  });

  it("the server's NODE_OPTIONS reach the server unchanged, and not the launcher", async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'podvisor-terminal-'));
    const record = join(scratch, 'record.cjs');
    const loadedBy = join(scratch, 'loaded-by');
    writeFileSync(record, `require('node:fs').appendFileSync(${JSON.stringify(loadedBy)}, (process.argv[1] ?? '') + '\\n');\n`);
    const options = `--require ${record}`;
    const session = await start(['sh', '-c', 'echo "options=[$NODE_OPTIONS] saved=[${PODVISOR_SERVER_NODE_OPTIONS-unset}]"'], { NODE_OPTIONS: options });
    assert.equal(await session.exited(), 0);
    assert.ok(session.screen().includes(`options=[${options}] saved=[unset]`), session.screen());
    const loaders = readFileSync(loadedBy, 'utf8').trim().split('\n');
    assert.equal(loaders.some((path) => path.includes('terminal-launcher')), false, loaders.join(', '));
  });

  it('a command that cannot be run: 127 with the message, as without a terminal', async () => {
    const session = await start(['podvisor-no-such-command']);
    assert.equal(await session.exited(), 127);
    assert.ok(session.logs().some((line) => line.msg.includes('"podvisor-no-such-command" was not found')), session.screen());
  });
});
