/**
 * The server's first instructions when it is to have podvisor's terminal (docs/supervision.md, "On a terminal"):
 * a process group of its own in podvisor's session, that group made the terminal's foreground, then the server's
 * command in this process's place (the same pid). A shell does this between fork and exec; libuv offers no such
 * moment, and once the command runs nobody else may change its group. So podvisor spawns this small Node program
 * instead of the command, only when its stdin is a terminal; it costs one start of Node (docs/performance.md).
 *
 *     node terminal-launcher.cjs KOFFI_MODULE COMMAND [ARGS...]
 *
 * KOFFI_MODULE is the koffi podvisor itself loaded. On LAUNCH_STATUS_FD the launcher tells podvisor "exec" once the
 * server has its group and terminal, and, when something goes wrong before the command runs, "call ERRNO", which
 * podvisor reports as it reports a command it could not spawn. Nothing is written to the server's stdout or stderr.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { CHANNEL_FD } from '../ipc/protocol.ts';
import { LAUNCH_STARTED, LAUNCH_STATUS_FD, SAVED_NODE_OPTIONS_VARIABLE } from './terminal-launch.ts';

// Until this process has a group of its own it is in podvisor's, the terminal's foreground: a Ctrl-C typed now
// reaches podvisor, which acts on it, and must not end the server before it exists.
process.on('SIGINT', () => {});
process.on('SIGQUIT', () => {});

interface LauncherLibc {
  setpgid(pid: number, group: number): number;
  tcsetpgrp(fd: number, group: number): number;
  pthreadSigmask(how: number, set: BigUint64Array, old: null): number;
  setDescriptorFlags(fd: number, flags: number): number;
  resetSignal(signal: number): void;
  execvp(file: string, argv: ReadonlyArray<string | null>): number;
  errno(): number;
}

const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
const SIGTTOU = 22;
const SIGKILL = 9;
const SIGSTOP = 19;
/** glibc's sigset_t: 1024 bits. */
const SIGSET_WORDS = 16;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

interface KoffiLibrary {
  func(declaration: string): (...args: unknown[]) => unknown;
}
interface KoffiModule {
  load(path: string): KoffiLibrary;
  errno(): number;
}

function bindLibc(koffiModule: string): LauncherLibc {
  const koffi = createRequire(process.argv[1] ?? '/')(koffiModule) as KoffiModule;
  const library = koffi.load('libc.so.6');
  const setpgid = library.func('int setpgid(int pid, int group)');
  const tcsetpgrp = library.func('int tcsetpgrp(int fd, int group)');
  const pthreadSigmask = library.func('int pthread_sigmask(int how, const uint64_t *set, _Out_ uint64_t *old)');
  const fcntl = library.func('int fcntl(int fd, int command, ...)');
  const signal = library.func('void *signal(int signal, void *handler)');
  const execvp = library.func('int execvp(const char *file, const char **argv)');
  return {
    setpgid: (pid, group) => setpgid(pid, group) as number,
    tcsetpgrp: (fd, group) => tcsetpgrp(fd, group) as number,
    pthreadSigmask: (how, set, old) => pthreadSigmask(how, set, old) as number,
    setDescriptorFlags: (fd, flags) => fcntl(fd, F_SETFD, 'int', flags) as number,
    // A null handler is SIG_DFL.
    resetSignal: (number) => void signal(number, null),
    execvp: (file, argv) => execvp(file, argv) as number,
    errno: () => koffi.errno(),
  };
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, number]) => [number, name]));

/** One line to podvisor on the status descriptor (terminal-launch.ts). */
function tell(line: string): void {
  try {
    writeSync(LAUNCH_STATUS_FD, `${line}\n`);
  } catch {
    // podvisor is gone; the exit status says enough.
  }
}

/** Tells podvisor why the command did not run, and ends with the status a shell would give. */
function fail(call: string, code: string): never {
  tell(`${call} ${code}`);
  process.exit(call === 'execvp' && code === 'ENOENT' ? 127 : 126);
}

function launch(): never {
  const [koffiModule, ...command] = process.argv.slice(2);
  if (koffiModule === undefined || command.length === 0) fail('launcher', 'EINVAL');
  let libc: LauncherLibc;
  try {
    libc = bindLibc(koffiModule);
  } catch (error) {
    fail('koffi', (error as NodeJS.ErrnoException).code ?? 'ELIBACC');
  }
  const errnoName = (): string => ERRNO_NAMES.get(libc.errno()) ?? `E${libc.errno()}`;

  const ttou = new BigUint64Array(SIGSET_WORDS);
  ttou[0] = 1n << BigInt(SIGTTOU - 1);
  // A group that is not the terminal's foreground may take it only with SIGTTOU blocked (else SIGTTOU stops it).
  libc.pthreadSigmask(SIG_BLOCK, ttou, null);
  if (libc.setpgid(0, 0) !== 0) fail('setpgid', errnoName());
  // No terminal after all (podvisor looked a moment ago; it may have gone): the server runs without one.
  libc.tcsetpgrp(0, process.pid);
  // From here a Ctrl-C reaches only this group: the command's own. (Before now it reached podvisor too, and a
  // launcher it ended had not run the command.) Told before SIGPIPE is reset below: podvisor may be gone.
  tell(LAUNCH_STARTED);

  // The server starts as libuv starts any child: every signal at its default, none blocked. Node ignores SIGPIPE
  // and SIGXFSZ, and exec keeps what is ignored.
  for (let number = 1; number < 32; number++) if (number !== SIGKILL && number !== SIGSTOP) libc.resetSignal(number);
  libc.pthreadSigmask(SIG_SETMASK, new BigUint64Array(SIGSET_WORDS), null);
  // Node marks the descriptors it inherited close-on-exec; the server must have its stdio and the kit's channel.
  for (const fd of [0, 1, 2, CHANNEL_FD]) libc.setDescriptorFlags(fd, 0);
  libc.setDescriptorFlags(LAUNCH_STATUS_FD, FD_CLOEXEC);
  const savedNodeOptions = process.env[SAVED_NODE_OPTIONS_VARIABLE];
  if (savedNodeOptions !== undefined) {
    process.env['NODE_OPTIONS'] = savedNodeOptions;
    Reflect.deleteProperty(process.env, SAVED_NODE_OPTIONS_VARIABLE);
  }
  libc.execvp(command[0] as string, [...command, null]);
  fail('execvp', errnoName());
}

launch();
