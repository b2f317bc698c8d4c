import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type koffiModule from 'koffi';

type Koffi = typeof koffiModule;

/**
 * The few libc calls Node does not offer: waitpid on one pid, prctl(PR_SET_CHILD_SUBREAPER), a pipe whose size
 * podvisor chooses, and the terminal's foreground process group and settings.
 */
export interface Libc {
  /** waitpid(pid, &status, WNOHANG): the pid reaped, 0 when it still runs, -1 on error. */
  waitpidNoHang(pid: number): number;
  /**
   * waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT): the pid of a child that has ended, left waitable (not
   * reaped); 0 when no child has ended; -1 when there are no children (or on error); undefined where podvisor
   * does not know the layout of siginfo_t (not a 64-bit Linux).
   */
  peekEndedChild(): number | undefined;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of our descendants are re-parented to us. */
  becomeSubreaper(): boolean;
  /** pipe2(O_CLOEXEC): [read end, write end], or undefined when the kernel refuses. */
  pipe(): [number, number] | undefined;
  /** fcntl(F_SETPIPE_SZ): the pipe's new capacity in bytes, or -1 when refused. */
  setPipeSize(fd: number, bytes: number): number;
  /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected ends, or undefined when the kernel refuses. */
  socketPair(): [number, number] | undefined;
  /** pthread_sigmask(SIG_UNBLOCK) of one signal, on the calling thread: a pending one is delivered now. */
  unblockSignal(signal: NodeJS.Signals): boolean;
  /** _exit(status): the process ends now, without Node's teardown. */
  exitNow(status: number): never;
  /** pthread_sigmask(SIG_BLOCK) of one signal, on the calling thread. */
  blockSignal(signal: NodeJS.Signals): boolean;
  /** getpgrp(): the calling process's group. */
  processGroup(): number;
  /** tcgetpgrp(fd): the foreground process group of the terminal at `fd`, -1 when it is not our controlling terminal. */
  foregroundGroup(fd: number): number;
  /** tcsetpgrp(fd, group): makes `group` the terminal's foreground (SIGTTOU must be blocked when we are not it). */
  setForegroundGroup(fd: number, group: number): boolean;
  /** tcgetattr(fd): the terminal's settings (struct termios, kept opaque), or undefined when `fd` is no terminal. */
  terminalSettings(fd: number): Uint8Array | undefined;
  /** tcsetattr(fd, TCSANOW, settings): settings from terminalSettings, applied now. */
  applyTerminalSettings(fd: number, settings: Uint8Array): boolean;
}


const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x1000000;
const P_ALL = 0;
/** siginfo_t is 128 bytes; on 64-bit Linux its si_pid is the int at byte 16 (after three ints and padding). */
const SIGINFO_INTS = 32;
const SI_PID_INDEX = 4;
const SIXTY_FOUR_BIT_LINUX = process.platform === 'linux' && ['x64', 'arm64', 'ppc64', 'riscv64', 's390x', 'loong64'].includes(process.arch);
const PR_SET_CHILD_SUBREAPER = 36;
const O_CLOEXEC = 0o2000000;
const F_SETPIPE_SZ = 1031;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = O_CLOEXEC;
const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const TCSANOW = 0;
/** glibc's struct termios is 60 bytes on Linux; room to spare for other layouts. */
const TERMIOS_BYTES = 256;
/** glibc's sigset_t: 1024 bits. */
const SIGSET_WORDS = 16;

let loaded: Libc | undefined;
let koffiPath: string | undefined;

/** glibc's and musl's dynamic loaders, by Node's name for the CPU: musl systems have the latter. */
const MUSL_LOADER: Readonly<Partial<Record<string, string>>> = { x64: '/lib/ld-musl-x86_64.so.1', arm64: '/lib/ld-musl-aarch64.so.1' };

/**
 * koffi's entry point costs ~15 ms, mostly in loading every lazy part of node:util, and podvisor needs koffi
 * before the server's first spawn (its pipe, the subreaper). The prebuilt addon that entry point would pick for
 * glibc on x64 or arm64 loads in ~2 ms: podvisor takes it directly when it is there, and koffi's entry point
 * (which also checks the addon's version and handles musl and every other platform) otherwise.
 */
function loadKoffi(): Koffi {
  const require = createRequire(import.meta.url);
  const musl = MUSL_LOADER[process.arch];
  if (process.platform === 'linux' && musl !== undefined && !existsSync(musl)) {
    try {
      const native = require(`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`) as Partial<Koffi> & { version?: unknown };
      // koffi's own check: the addon must be the version of the koffi package installed.
      const expected = (JSON.parse(readFileSync(join(dirname(require.resolve('koffi')), 'package.json'), 'utf8')) as { version?: unknown }).version;
      if (native.version === expected && typeof native.load === 'function') {
        koffiPath = require.resolve(`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`);
        return native as Koffi;
      }
    } catch {
      // Not installed that way: koffi's entry point finds it.
    }
  }
  koffiPath = require.resolve('koffi');
  return require('koffi') as Koffi;
}

export function libc(): Libc {
  if (loaded !== undefined) return loaded;
  const koffi = loadKoffi();
  const library = koffi.load('libc.so.6');
  const waitpid = library.func('int waitpid(int pid, _Out_ int *status, int options)');
  const prctl = library.func('int prctl(int option, ...)');
  const pipe2 = library.func('int pipe2(_Out_ int *fds, int flags)');
  const fcntl = library.func('int fcntl(int fd, int command, ...)');
  const waitid = library.func('int waitid(int idtype, int id, _Out_ int *info, int options)');
  const socketpair = library.func('int socketpair(int domain, int type, int protocol, _Out_ int *fds)');
  const pthreadSigmask = library.func('int pthread_sigmask(int how, const uint64_t *set, _Out_ uint64_t *old)');
  const exitProcess = library.func('void _exit(int status)');
  const getpgrp = library.func('int getpgrp()');
  const tcgetpgrp = library.func('int tcgetpgrp(int fd)');
  const tcsetpgrp = library.func('int tcsetpgrp(int fd, int group)');
  const tcgetattr = library.func('int tcgetattr(int fd, _Out_ uint8_t *termios)');
  const tcsetattr = library.func('int tcsetattr(int fd, int when, const uint8_t *termios)');
  const info = new Int32Array(SIGINFO_INTS);
  const changeSignalMask = (how: number, signal: NodeJS.Signals): boolean => {
    const number = constants.signals[signal];
    const set = new BigUint64Array(SIGSET_WORDS);
    set[Math.floor((number - 1) / 64)] = 1n << BigInt((number - 1) % 64);
    return (pthreadSigmask(how, set, null) as number) === 0;
  };
  loaded = {
    waitpidNoHang(pid) {
      const status = [0];
      return waitpid(pid, status, WNOHANG) as number;
    },
    peekEndedChild() {
      if (!SIXTY_FOUR_BIT_LINUX) return undefined;
      // With WNOHANG and no ended child, waitid returns 0 and leaves si_pid as it was: zero it first.
      info.fill(0);
      if ((waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) as number) !== 0) return -1;
      return info[SI_PID_INDEX] as number;
    },
    becomeSubreaper() {
      const result = prctl(PR_SET_CHILD_SUBREAPER, 'unsigned long', 1, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) as number;
      return result === 0;
    },
    pipe() {
      const fds = new Int32Array(2);
      if ((pipe2(fds, O_CLOEXEC) as number) !== 0) return undefined;
      return [fds[0] as number, fds[1] as number];
    },
    setPipeSize(fd, bytes) {
      return fcntl(fd, F_SETPIPE_SZ, 'int', bytes) as number;
    },
    unblockSignal(signal) {
      return changeSignalMask(SIG_UNBLOCK, signal);
    },
    blockSignal(signal) {
      return changeSignalMask(SIG_BLOCK, signal);
    },
    processGroup() {
      return getpgrp() as number;
    },
    foregroundGroup(fd) {
      return tcgetpgrp(fd) as number;
    },
    setForegroundGroup(fd, group) {
      return (tcsetpgrp(fd, group) as number) === 0;
    },
    terminalSettings(fd) {
      const settings = new Uint8Array(TERMIOS_BYTES);
      return (tcgetattr(fd, settings) as number) === 0 ? settings : undefined;
    },
    applyTerminalSettings(fd, settings) {
      return (tcsetattr(fd, TCSANOW, settings) as number) === 0;
    },
    socketPair() {
      const fds = new Int32Array(2);
      if ((socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) as number) !== 0) return undefined;
      return [fds[0] as number, fds[1] as number];
    },
    exitNow(status) {
      exitProcess(status);
      throw new Error('_exit returned');
    },
  };
  return loaded;
}

/** Where podvisor loaded koffi from: the prebuilt addon itself, or koffi's entry point (see loadKoffi). */
export function koffiModulePath(): string {
  libc();
  return koffiPath as string;
}
