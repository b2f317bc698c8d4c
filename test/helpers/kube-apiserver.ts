// A real, throwaway Kubernetes control plane for the Kubernetes suite: etcd (Debian's etcd-server) and the
// kube-apiserver that scripts/build-kubernetes.sh built, on 127.0.0.1 with random free ports, certificates
// and data in a temp dir, RBAC on, and service-account tokens signed by a key of its own. No kubelet,
// scheduler or controller-manager: objects are stored and validated, Pods stay Pending.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './podvisor-process.ts';
import { KUBE_APISERVER, KUBECTL, requireTool, runTool, runToolOk } from './tools.ts';

export interface KubeApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The CA that signed the apiserver's serving certificate (a pod's ca.crt). */
  readonly caFile: string;
  /** A kubeconfig for the test itself, as cluster-admin (system:masters). */
  readonly kubeconfig: string;
  /** "v1.34.4" — what /version answers. */
  readonly version: string;
  readonly directory: string;
  /** Stops the kube-apiserver only (etcd keeps running); for outage tests. */
  stopApiServer(): Promise<void>;
  /** SIGSTOPs the kube-apiserver: connections are accepted by the kernel and never answered (a hung apiserver). */
  pauseApiServer(): void;
  resumeApiServer(): void;
  /** Stops everything and deletes the temp dir. */
  close(): Promise<void>;
}

const ADMIN_TOKEN = 'podvisor-test-admin';
const READY_TIMEOUT_MS = 90_000;

export async function startKubeApiServer(): Promise<KubeApiServer> {
  const apiServerBinary = requireTool(KUBE_APISERVER);
  const directory = mkdtempSync(join(tmpdir(), 'podvisor-kube-'));
  const processes: ChildProcess[] = [];
  const close = async (): Promise<void> => {
    for (const child of processes.reverse()) await stop(child);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const file = (name: string): string => join(directory, name);
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=podvisor-test-ca', '-days', '2']);
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('apiserver.key'), '-out', file('apiserver.csr'), '-subj', '/CN=kube-apiserver']);
    writeFileSync(file('apiserver.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n');
    await openssl(['x509', '-req', '-in', file('apiserver.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('apiserver.ext'), '-out', file('apiserver.crt')]);
    await openssl(['genrsa', '-out', file('service-account.key'), '2048']);
    writeFileSync(file('tokens.csv'), `${ADMIN_TOKEN},podvisor-test-admin,podvisor-test-admin,system:masters\n`);

    const [etcdClientPort, etcdPeerPort, port] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    processes.push(
      launch('etcd', [
        '--name', 'podvisor-test', '--data-dir', file('etcd'),
        '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `podvisor-test=${peerUrl}`,
      ], file('etcd.log')),
    );
    await waitFor(async () => (await fetch(`${etcdUrl}/health`)).ok, 'etcd', 30_000);

    const apiServer = launch(apiServerBinary, [
      '--etcd-servers', etcdUrl,
      '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(port),
      '--tls-cert-file', file('apiserver.crt'), '--tls-private-key-file', file('apiserver.key'), '--cert-dir', file('certs'),
      '--token-auth-file', file('tokens.csv'),
      '--authorization-mode', 'RBAC',
      '--service-account-issuer', 'https://kubernetes.default.svc',
      '--service-account-key-file', file('service-account.key'),
      '--service-account-signing-key-file', file('service-account.key'),
      '--service-cluster-ip-range', '10.96.0.0/24',
      // The apiserver would publish 127.0.0.1 as the `kubernetes` Service's endpoint, which it rejects as loopback.
      '--endpoint-reconciler-type', 'none',
    ], file('kube-apiserver.log'));
    processes.push(apiServer);
    const url = `https://127.0.0.1:${port}`;

    const kubeconfig = file('kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: test', '  cluster:', `    server: ${url}`, `    certificate-authority: ${file('ca.crt')}`,
      'users:', '- name: admin', '  user:', `    token: ${ADMIN_TOKEN}`,
      'contexts:', '- name: test', '  context:', '    cluster: test', '    user: admin',
      'current-context: test', '',
    ].join('\n'));

    const ready = async (): Promise<boolean> => (await runToolOkQuiet(['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'])) === 'ok';
    await waitFor(ready, `kube-apiserver (log: ${file('kube-apiserver.log')})`, READY_TIMEOUT_MS, apiServer);
    // RBAC's bootstrap roles are in place once readyz says ok; the default namespace may lag a moment.
    await waitFor(async () => (await runToolOkQuiet(['--kubeconfig', kubeconfig, 'get', 'namespace', 'default', '-o', 'name'])) === 'namespace/default', 'the default namespace', 30_000);
    const version = JSON.parse(await kubectlRaw(kubeconfig, '/version')) as { gitVersion: string };

    return {
      url,
      host: '127.0.0.1',
      port,
      caFile: file('ca.crt'),
      kubeconfig,
      version: version.gitVersion,
      directory,
      stopApiServer: () => stop(apiServer),
      pauseApiServer: () => void apiServer.kill('SIGSTOP'),
      resumeApiServer: () => void apiServer.kill('SIGCONT'),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function launch(command: string, args: readonly string[], logFile: string): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  const keep = (chunk: Buffer): void => {
    chunks.push(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => {
    try {
      writeFileSync(logFile, Buffer.concat(chunks));
    } catch {
      // The temp dir is already gone.
    }
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  // A paused (SIGSTOPped) process only acts on the SIGTERM once continued.
  child.kill('SIGCONT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs: number, process?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process !== undefined && process.exitCode !== null) throw new Error(`${what} exited with ${process.exitCode}`);
    try {
      if (await condition()) return;
    } catch {
      // Not up yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms`);
}

function openssl(args: readonly string[]): Promise<string> {
  return runToolOk('openssl', args);
}

function kubectlRaw(kubeconfig: string, path: string): Promise<string> {
  return runToolOk(requireTool(KUBECTL), ['--kubeconfig', kubeconfig, 'get', '--raw', path]);
}

async function runToolOkQuiet(args: readonly string[]): Promise<string | undefined> {
  const result = await runTool(requireTool(KUBECTL), args, { timeout: 10_000 });
  return result.code === 0 ? result.stdout.trim() : undefined;
}
