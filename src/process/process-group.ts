import { readProcessStat, readProcessTable } from '../pid1/process-table.ts';
import type { ProcessStat } from '../pid1/proc-stat.ts';

/** Sends `signal` to every process of the group led by `groupId`; false when the group is gone. */
export function signalGroup(groupId: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Sends `signal` to the server's process group (led by `serverPid`) and to the server itself when it has left that
 * group: on a terminal the server is not a session leader and may join another group of podvisor's session,
 * podvisor's own included, where a signal to its group would never reach it. False when neither was reached.
 */
export function signalServerGroup(serverPid: number, signal: NodeJS.Signals): boolean {
  const reachedGroup = signalGroup(serverPid, signal);
  const server = readProcessStat(serverPid);
  if (server === undefined || server.state === 'Z' || server.processGroup === serverPid) return reachedGroup;
  try {
    process.kill(serverPid, signal);
    return true;
  } catch {
    return reachedGroup;
  }
}

/** Whether any process (a zombie included) still belongs to the group. */
export function groupExists(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The processes of the group led by `groupId`, from /proc. */
export function groupMembers(groupId: number, table: readonly ProcessStat[] = readProcessTable()): ProcessStat[] {
  return table.filter((stat) => stat.processGroup === groupId);
}

/**
 * Members of a group that podvisor can still see end: live processes, and zombies that are podvisor's own to
 * reap. A zombie whose parent is some other process (one that escaped the group and never waits for its children)
 * stays until that parent reaps it or dies: nothing podvisor does will end it. Pure.
 */
export function membersThatCanEnd(members: readonly ProcessStat[], podvisorPid: number): ProcessStat[] {
  return members.filter((member) => member.state !== 'Z' || member.parentPid === podvisorPid);
}

/** podvisor's children that are not its server (setsid'd descendants re-parented to it, PID 1 or subreaper). Pure. */
export function escapedChildren(table: readonly ProcessStat[], podvisorPid: number, ownChildren: ReadonlySet<number>): ProcessStat[] {
  return table.filter((stat) => stat.parentPid === podvisorPid && !ownChildren.has(stat.pid) && stat.state !== 'Z');
}
