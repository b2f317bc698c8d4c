import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT, type LogLine } from './podvisor-process.ts';

const RELAY = join(ROOT, 'test', 'helpers', 'pty-relay.py');

/** A command running on a real pseudo-terminal (test/helpers/pty-relay.py): what a person at a terminal sees and types. */
export interface TerminalSession {
  /** The command's pid (the session leader of the terminal, its foreground process group at first). */
  readonly pid: number;
  /** Types `text` (a Ctrl-C is '\x03'). */
  type(text: string): void;
  /** Everything the terminal has shown so far (the line discipline turns '\n' into '\r\n'). */
  screen(): string;
  /** podvisor's own log lines on the screen so far (the terminal's echo of a Ctrl-C may stand before one). */
  logs(): LogLine[];
  /** Resolves with the first of podvisor's log lines that `match` accepts (shown already or to come). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Where the screen ends now: pass it as `from` to wait only for what comes after. */
  mark(): number;
  /** Resolves once the screen, from `from` on, contains `match`. */
  waitForScreen(match: string | RegExp, options?: { readonly from?: number; readonly timeoutMs?: number }): Promise<void>;
  /** The command's exit status (128+N for signal N). */
  exited(timeoutMs?: number): Promise<number>;
  /** SIGKILLs the command and the relay if still running (test cleanup). */
  kill(): void;
}

export interface TerminalOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly rows?: number;
  readonly columns?: number;
}

/** Starts `command` as a login shell or `docker run -it` would: on a new terminal, its controlling terminal. */
export async function startOnTerminal(command: readonly string[], options: TerminalOptions = {}): Promise<TerminalSession> {
  const relay = spawn('python3', [RELAY, String(options.rows ?? 24), String(options.columns ?? 200), ...command], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  let screen = '';
  let relayErrors = '';
  const waiters = new Set<() => void>();
  relay.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
    for (const waiter of waiters) waiter();
  });
  const pid = new Promise<number>((resolve, reject) => {
    relay.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      relayErrors += chunk;
      const found = /^pid (\d+)\n/.exec(relayErrors);
      if (found !== null) resolve(Number(found[1]));
    });
    relay.once('exit', () => reject(new Error(`the pty relay ended before it started the command: ${relayErrors}`)));
  });
  const status = once(relay, 'exit').then(([code, signal]) => (signal === null ? (code as number) : 128));
  const commandPid = await pid;

  const waitForScreen = (match: string | RegExp, { from = 0, timeoutMs = 15000 } = {}): Promise<void> =>
    new Promise((resolve, reject) => {
      const found = (): boolean => {
        const text = screen.slice(from);
        return typeof match === 'string' ? text.includes(match) : match.test(text);
      };
      if (found()) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`the terminal did not show ${String(match)} within ${timeoutMs} ms; it shows:\n${JSON.stringify(screen.slice(from))}`));
      }, timeoutMs);
      const check = (): void => {
        if (!found()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  const logs = (): LogLine[] => {
    const found: LogLine[] = [];
    for (const line of screen.split('\r\n')) {
      const start = line.indexOf('{"level":');
      if (start === -1) continue;
      try {
        const parsed = JSON.parse(line.slice(start)) as LogLine;
        if (typeof parsed.msg === 'string') found.push(parsed);
      } catch {
        // Not a whole line of podvisor's (yet).
      }
    }
    return found;
  };
  const waitForLog = async (match: (line: LogLine) => boolean, timeoutMs = 15000): Promise<LogLine> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = logs().find(match);
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; the terminal shows:\n${JSON.stringify(screen)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    pid: commandPid,
    logs,
    waitForLog,
    type: (text) => {
      relay.stdin.write(text);
    },
    screen: () => screen,
    mark: () => screen.length,
    waitForScreen,
    exited: (timeoutMs = 30000) =>
      Promise.race([
        status,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`the command did not exit within ${timeoutMs} ms; the terminal shows:\n${JSON.stringify(screen)}`)), timeoutMs).unref()),
      ]),
    kill: () => {
      try {
        process.kill(commandPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      if (relay.exitCode === null && relay.signalCode === null) relay.kill('SIGKILL');
    },
  };
}
