import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePodvisor, podvisorArguments, type FoundPodvisor, type PodvisorFacts } from '../../../../src/cli/ctl/find-podvisor.ts';

const LAUNCHED = ['/opt/podvisor/node_modules/node/bin/node', '--disable-sigusr1', '--max-semi-space-size=2', '/opt/podvisor/dist/podvisor.js'];

describe('which command lines are a supervising podvisor', () => {
  const cases: ReadonlyArray<[string, readonly string[], readonly string[] | undefined]> = [
    ['the image: bin/podvisor execs node with its options', [...LAUNCHED, '--', 'node', 'server.js'], ['--', 'node', 'server.js']],
    ['the reference server: no arguments', LAUNCHED, []],
    ['flags before the command', [...LAUNCHED, '--http-port', '9000', '--', 'nginx'], ['--http-port', '9000', '--', 'nginx']],
    ['from a checkout, relative paths', ['./node_modules/node/bin/node', './dist/podvisor.js', '--', 'sleep', '1'], ['--', 'sleep', '1']],
    ['a node on PATH, run from the package root', ['node', 'dist/podvisor.js'], []],
    ['nodejs (Debian) counts as node', ['/usr/bin/nodejs', '/srv/node_modules/podvisor/dist/podvisor.js'], []],
    ['podvisor ctl itself is not a supervisor', [...LAUNCHED, 'ctl', 'status'], undefined],
    ['a server named ctl is', [...LAUNCHED, '--', 'ctl'], ['--', 'ctl']],
    ['another node program', ['node', 'server.js'], undefined],
    ['a file merely named podvisor.js', ['node', '/app/podvisor.js'], undefined],
    ['podvisor.js as an argument of another script', ['node', 'app.js', 'dist/podvisor.js'], undefined],
    ['not node', ['/bin/sh', '/opt/podvisor/dist/podvisor.js'], undefined],
    ['tini', ['/usr/bin/tini', '--', 'node', 'dist/podvisor.js'], undefined],
    ['nothing (a zombie)', [], undefined],
  ];
  for (const [name, argv, expected] of cases) {
    it(name, () => assert.deepEqual(podvisorArguments(argv), expected));
  }
});

describe('which podvisor ctl talks to', () => {
  const podvisor = [...LAUNCHED, '--', 'sleep', '60'];
  const pause = ['/pause'];
  const cases: ReadonlyArray<[string, PodvisorFacts, FoundPodvisor]> = [
    ['PID 1 is podvisor', { ownPid: 40, pid1: podvisor, pidFile: { kind: 'unset' } }, { ok: true, pid: 1, how: 'pid_1', arguments: ['--', 'sleep', '60'] }],
    [
      'PID 1 is podvisor: the pid file is not needed',
      { ownPid: 40, pid1: podvisor, pidFile: { kind: 'read', path: '/run/p.pid', firstLine: '7', commandLine: podvisor } },
      { ok: true, pid: 1, how: 'pid_1', arguments: ['--', 'sleep', '60'] },
    ],
    [
      'PID 1 is something else (a shared process namespace): the pid file',
      { ownPid: 40, pid1: pause, pidFile: { kind: 'read', path: '/run/p.pid', firstLine: '7', commandLine: podvisor } },
      { ok: true, pid: 7, how: 'pid_file', pidFile: '/run/p.pid', arguments: ['--', 'sleep', '60'] },
    ],
    [
      'no pid file set',
      { ownPid: 40, pid1: pause, pidFile: { kind: 'unset' } },
      { ok: false, message: 'no podvisor to talk to: PID 1 is not podvisor (it runs "/pause"), and PODVISOR_PID_FILE is not set (podvisor ctl finds podvisor as PID 1 of the container, else by its pid file)' },
    ],
    [
      'the pid file is missing',
      { ownPid: 40, pid1: pause, pidFile: { kind: 'unreadable', path: '/run/p.pid', why: 'does not exist' } },
      { ok: false, message: 'no podvisor to talk to: PID 1 is not podvisor (it runs "/pause"), and PODVISOR_PID_FILE="/run/p.pid" does not exist (podvisor writes it while its server runs)' },
    ],
    [
      'the pid file names a process that is gone',
      { ownPid: 40, pid1: pause, pidFile: { kind: 'read', path: '/run/p.pid', firstLine: '7', commandLine: undefined } },
      { ok: false, message: 'no podvisor to talk to: PID 1 is not podvisor (it runs "/pause"), and PODVISOR_PID_FILE="/run/p.pid" names pid 7, which is not running (a pid file left behind)' },
    ],
    [
      'the pid file names another program (a pid reused)',
      { ownPid: 40, pid1: pause, pidFile: { kind: 'read', path: '/run/p.pid', firstLine: '7', commandLine: ['sleep', '60'] } },
      { ok: false, message: 'no podvisor to talk to: PID 1 is not podvisor (it runs "/pause"), and PODVISOR_PID_FILE="/run/p.pid" names pid 7, which is not podvisor (it runs "sleep 60")' },
    ],
    [
      'the pid file holds no pid',
      { ownPid: 40, pid1: pause, pidFile: { kind: 'read', path: '/run/p.pid', firstLine: 'hello', commandLine: undefined } },
      { ok: false, message: 'no podvisor to talk to: PID 1 is not podvisor (it runs "/pause"), and the first line of PODVISOR_PID_FILE="/run/p.pid" is not a process id ("hello")' },
    ],
    [
      'ctl is PID 1 itself (run as a container\'s command): never talks to itself',
      { ownPid: 1, pid1: [...LAUNCHED, 'ctl', 'status'], pidFile: { kind: 'unset' } },
      { ok: false, message: 'no podvisor to talk to: this is PID 1 itself, and PODVISOR_PID_FILE is not set (podvisor ctl finds podvisor as PID 1 of the container, else by its pid file)' },
    ],
  ];
  for (const [name, facts, expected] of cases) {
    it(name, () => assert.deepEqual(choosePodvisor(facts), expected));
  }
});
