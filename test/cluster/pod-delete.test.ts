// `kubectl delete pod` on a real node: a server that ignores SIGTERM is killed by podvisor at its drain deadline
// (exit 137, well before the kubelet's own SIGKILL at the end of the grace period), and a pod deleted within
// 100 ms of its container starting — SIGTERM arriving while podvisor is still starting as PID 1 — stops promptly
// too, instead of hanging until the grace period ends.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster, ContainerEvent, WatchEvent } from '../helpers/cluster.ts';
import { delay } from '../helpers/podvisor-process.ts';
import { explainedChecks, dropNamespace, installRelease, podEvents, pods, releaseSelector, suiteCluster, waitFor, type Pod , explained } from './workloads.ts';

const NAMESPACE = 'pod-delete';

/** How podvisor's shutdown began, from its log: the SIGTERM, or the Pod's deletionTimestamp when no SIGTERM came. */
interface ShutdownStart {
  /** Epoch ms, podvisor's own timestamp. */
  readonly at: number;
  readonly by: 'SIGTERM' | 'deletionTimestamp';
}

/**
 * podvisor's first shutdown line, from the container's log file on the node, read the moment the container exits
 * (the kubelet removes it with the pod). Undefined when there is none.
 */
function shutdownStart(cluster: Cluster, podName: string): ShutdownStart | undefined {
  try {
    const logs = join(cluster.directory, 'pod-logs');
    const podDirectory = readdirSync(logs).find((entry) => entry.startsWith(`${NAMESPACE}_${podName}_`));
    if (podDirectory === undefined) return undefined;
    for (const line of readFileSync(join(logs, podDirectory, 'podvisor', '0.log'), 'utf8').split('\n')) {
      // CRI log format: "<RFC 3339 time> <stream> <F|P> <line>"; podvisor's own lines are JSON with a time of their own.
      const json = line.split(' ').slice(3).join(' ');
      if (!json.startsWith('{')) continue;
      const parsed = JSON.parse(json) as { msg?: string; time?: string; signal?: string };
      if (parsed.time === undefined || parsed.msg === undefined) continue;
      if (parsed.msg.startsWith('shutting down') && parsed.signal === 'SIGTERM') return { at: Date.parse(parsed.time), by: 'SIGTERM' };
      if (parsed.msg.includes('deletionTimestamp')) return { at: Date.parse(parsed.time), by: 'deletionTimestamp' };
    }
  } catch {
    // The pod's logs are gone already.
  }
  return undefined;
}

const FAST_TRIALS = 3;

/** When the kubelet logged "Killing container with a grace period" for the pod (epoch ms; its log runs at --v=2). */
function kubeletKillAt(cluster: Cluster, podName: string): number | undefined {
  const year = new Date().getUTCFullYear();
  for (const line of readFileSync(join(cluster.directory, 'logs', 'kubelet.log'), 'utf8').split('\n')) {
    if (!line.includes('"Killing container with a grace period"') || !line.includes(`pod="${NAMESPACE}/${podName}"`)) continue;
    const match = /^[IWE](\d\d)(\d\d) (\d\d:\d\d:\d\d)\.(\d+)/.exec(line);
    if (match !== null) return Date.parse(`${year}-${match[1]}-${match[2]}T${match[3]}Z`) + Number(`0.${match[4]}`) * 1000;
  }
  return undefined;
}

interface FastTrial {
  readonly name: string;
  /** DELETE sent, from the app container's start (negative: before it). */
  readonly deleteAfterStartMs: number;
  readonly killAfterStartMs?: number;
  /** podvisor began its shutdown (ms from the container's start), and on what. */
  readonly shutdownAfterStartMs?: number;
  readonly shutdownBy?: ShutdownStart['by'];
  readonly stopAfterStartMs: number;
  readonly exitStatus: number;
}

/**
 * Creates a pod from the template and deletes it (one apiserver request, no kubectl process) the moment
 * containerd starts its sandbox or its app container, as `ctr events` shows them; resolves when the container
 * has exited, with the times, all from this machine's clock.
 */
async function fastDelete(cluster: Cluster, template: { metadata: Record<string, unknown>; spec: object }, name: string, when: 'sandbox' | 'container', grace: number): Promise<FastTrial> {
  const ids: { sandbox?: string; container?: string } = {};
  let startedAt: number | undefined;
  let deleteSentAt: number | undefined;
  let exit: { at: number; status: number } | undefined;
  let shutdown: ShutdownStart | undefined;
  const sendDelete = (): void => {
    deleteSentAt = Date.now();
    void cluster.api('DELETE', `/api/v1/namespaces/${NAMESPACE}/pods/${name}`);
  };
  const events = cluster.containerEvents((event: ContainerEvent) => {
    const id = event.payload['container_id'];
    if (event.topic === '/tasks/create' && typeof event.payload['bundle'] === 'string') {
      // The OCI bundle names the pod and says whether this is its sandbox or its app container, before it starts.
      try {
        const annotations = (JSON.parse(readFileSync(join(event.payload['bundle'], 'config.json'), 'utf8')) as { annotations?: Record<string, string> }).annotations ?? {};
        if (annotations['io.kubernetes.cri.sandbox-name'] !== name) return;
        if (annotations['io.kubernetes.cri.container-type'] === 'sandbox') ids.sandbox = id as string;
        else ids.container = id as string;
      } catch {
        // Not a bundle of ours.
      }
    } else if (event.topic === '/tasks/start' && id === ids.sandbox && when === 'sandbox' && deleteSentAt === undefined) {
      sendDelete();
    } else if (event.topic === '/tasks/start' && id === ids.container && startedAt === undefined) {
      startedAt = event.at;
      if (when === 'container') sendDelete();
    } else if (event.topic === '/tasks/exit' && id === ids.container && exit === undefined) {
      exit = { at: event.at, status: typeof event.payload['exit_status'] === 'number' ? event.payload['exit_status'] : 0 };
      shutdown = shutdownStart(cluster, name);
    }
  });
  try {
    await delay(200);
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name, namespace: NAMESPACE }, spec: template.spec };
    await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(manifest) });
    await waitFor(`${name}'s container to start and exit`, async () => exit, (grace + 30) * 1000, 100);
  } finally {
    events.stop();
  }
  await waitFor(`${name} gone`, async () => ((await cluster.kubectlResult(['get', 'pod', name, '-n', NAMESPACE])).code === 0 ? undefined : true), 60_000);
  const start = startedAt as number;
  const killAt = kubeletKillAt(cluster, name);
  return {
    name,
    deleteAfterStartMs: (deleteSentAt as number) - start,
    ...(killAt === undefined ? {} : { killAfterStartMs: killAt - start }),
    ...(shutdown === undefined ? {} : { shutdownAfterStartMs: shutdown.at - start, shutdownBy: shutdown.by }),
    stopAfterStartMs: (exit as { at: number }).at - start,
    exitStatus: (exit as { status: number }).status,
  };
}

describe('kubectl delete pod on a real node', { timeout: 420_000 }, () => {
  let cluster: Cluster;
  const { check, printIfFailed } = explainedChecks(NAMESPACE);

  before(async () => {
    cluster = await suiteCluster();
    await explained(cluster, [NAMESPACE], async () => {
      // Both releases in one namespace: "hung" runs a server that ignores SIGTERM; "prompt" lends its pod template
      // (the reference server, default values) to the bare pods of the fast-delete trials.
      await installRelease(cluster, NAMESPACE, 'hung', ['--set-json', `server.command=["sh","-c","trap '' TERM; echo ignoring SIGTERM; while :; do sleep 1; done"]`]);
      await installRelease(cluster, NAMESPACE, 'prompt', ['--set', 'replicaCount=0'], { freshNamespace: false });
    });
  });

  after(async () => {
    await printIfFailed(cluster);
    if (cluster !== undefined) {
      await dropNamespace(cluster, NAMESPACE);
      await cluster.close();
    }
  });

  check('a hung server is killed at the drain deadline: exit 137, well before the grace period', async () => {
    const [hung] = await pods(cluster, NAMESPACE, releaseSelector('hung')) as [Pod];
    const name = hung.metadata.name;
    const grace = hung.spec.terminationGracePeriodSeconds ?? 30;
    const containerId = (hung.status.containerStatuses?.[0]?.containerID ?? '').replace(/^containerd:\/\//, '');
    // When the container ended, from containerd (this machine's clock, no reporting lag); what the kubelet
    // reported, from a watch.
    let exited: { at: number; status: number } | undefined;
    const events = cluster.containerEvents((event: ContainerEvent) => {
      if (event.topic === '/tasks/exit' && event.payload['container_id'] === containerId && exited === undefined) {
        exited = { at: event.at, status: typeof event.payload['exit_status'] === 'number' ? event.payload['exit_status'] : 0 };
      }
    });
    let terminated: { exitCode: number; reason?: string; message?: string } | undefined;
    const watch = cluster.watch(`/api/v1/namespaces/${NAMESPACE}/pods?fieldSelector=metadata.name%3D${name}`, (event: WatchEvent) => {
      terminated ??= (event.object as unknown as Pod).status?.containerStatuses?.[0]?.state.terminated;
    });
    await delay(200);
    const deleted = Date.now();
    const response = await cluster.api('DELETE', `/api/v1/namespaces/${NAMESPACE}/pods/${name}`);
    assert.equal(response.status, 200, response.body);
    try {
      await waitFor('the container to exit', async () => exited, (grace + 30) * 1000, 100);
      await waitFor('the kubelet to report it terminated', async () => terminated, 30_000, 100);
    } finally {
      events.stop();
      watch.stop();
    }
    // The grace period runs from the kubelet's stop (its log says when), not from the DELETE.
    const killedAt = kubeletKillAt(cluster, name);
    const exitAt = (exited as { at: number }).at;
    const seconds = (exitAt - (killedAt ?? deleted)) / 1000;
    process.stdout.write(`# hung server: exit ${exited?.status} ${seconds.toFixed(1)} s after the kubelet's stop (${((exitAt - deleted) / 1000).toFixed(1)} s after the DELETE; reported: ${terminated?.exitCode}, ${terminated?.reason}); grace period ${grace} s\n`);
    assert.equal(exited?.status, 137, 'podvisor\'s exit status');
    assert.equal(terminated?.exitCode, 137, JSON.stringify(terminated));
    assert.ok(seconds < grace - 2, `stopped ${seconds.toFixed(1)} s after the kubelet's stop: the kubelet's SIGKILL at the end of the ${grace} s grace period, not podvisor's at its drain deadline`);
    const podvisorEvents = await waitFor('the DrainTimedOut Event', async () => {
      const found = await podEvents(cluster, NAMESPACE, name);
      return found.some((event) => event.reason === 'DrainTimedOut') ? found : undefined;
    }, 30_000);
    assert.equal(podvisorEvents.find((event) => event.reason === 'DrainTimedOut')?.type, 'Warning');
  });

  test(`a pod deleted within 100 ms of its container starting stops promptly (${FAST_TRIALS} trials each way)`, async () => {
    const template = JSON.parse(await cluster.kubectl(['get', 'deployment', 'prompt-podvisor', '-n', NAMESPACE, '-o', 'jsonpath={.spec.template}'])) as { metadata: Record<string, unknown>; spec: { terminationGracePeriodSeconds?: number } };
    const grace = template.spec.terminationGracePeriodSeconds ?? 30;
    const trials: FastTrial[] = [];
    // Deleting when the pod's sandbox starts brings the kubelet's SIGTERM closest to podvisor's first instructions
    // (the kubelet starts the container anyway, ~100 ms later, then stops it); deleting when the container itself
    // starts is the plainer case.
    for (const when of ['sandbox', 'container'] as const) {
      for (let trial = 1; trial <= FAST_TRIALS; trial++) {
        const result = await fastDelete(cluster, template, `prompt-${when}-${trial}`, when, grace);
        trials.push(result);
        const killed = result.killAfterStartMs === undefined ? 'the kubelet\'s kill is not in its log' : `the kubelet stopped it ${result.killAfterStartMs.toFixed(0)} ms after the container started`;
        const handled = result.shutdownAfterStartMs === undefined ? 'podvisor logged no shutdown' : `podvisor began its shutdown at ${result.shutdownAfterStartMs.toFixed(0)} ms, on the ${result.shutdownBy}`;
        process.stdout.write(`# delete at the ${when} start (${trial}): DELETE sent ${result.deleteAfterStartMs.toFixed(0)} ms from the container's start; ${killed}; ${handled}; exit ${result.exitStatus} at ${(result.stopAfterStartMs / 1000).toFixed(2)} s (grace period ${grace} s)\n`);
      }
    }
    for (const result of trials) {
      assert.ok(result.deleteAfterStartMs < 100, `${result.name}: the DELETE went out ${result.deleteAfterStartMs.toFixed(0)} ms after the container started: the trial did not test an early SIGTERM`);
    }
    for (const result of trials) {
      assert.ok(result.stopAfterStartMs < (grace - 2) * 1000 && result.exitStatus === 0, `${result.name}: exited ${result.exitStatus} ${(result.stopAfterStartMs / 1000).toFixed(2)} s after its start: the SIGTERM was lost and the kubelet killed it at the end of the grace period\n${JSON.stringify(trials)}`);
    }
  });
});
