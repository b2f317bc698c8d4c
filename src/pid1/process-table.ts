import { readdirSync, readFileSync } from 'node:fs';
import { parseProcStat, type ProcessStat } from './proc-stat.ts';

/** Every process /proc shows now (this PID namespace), as far as reaping and process groups need. */
export function readProcessTable(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return stats;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readProcessStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/**
 * The children of `parentPid` now, from /proc/<pid>/task/<tid>/children (every thread's: an orphan re-parented to a
 * process may be given to any of its threads), a few reads instead of one per process of the namespace; the whole
 * table, filtered, where the kernel has no such files (CONFIG_PROC_CHILDREN). A child that ends while the list is
 * read may hide another from that one read: the callers look again until they find nothing.
 */
export function readChildren(parentPid: number = process.pid): ProcessStat[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${parentPid}/task`);
  } catch {
    return [];
  }
  const pids = new Set<number>();
  for (const thread of threads) {
    let list: string;
    try {
      list = readFileSync(`/proc/${parentPid}/task/${thread}/children`, 'latin1');
    } catch (error) {
      // No children files in this kernel: the slow way. A thread that ended meanwhile has none to give.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && thread === String(parentPid)) return readProcessTable().filter((stat) => stat.parentPid === parentPid);
      continue;
    }
    for (const pid of list.split(' ')) if (pid !== '' && pid !== '\n') pids.add(Number(pid));
  }
  const stats: ProcessStat[] = [];
  for (const pid of pids) {
    const stat = readProcessStat(pid);
    // A pid reused by another process since the list was read is not ours.
    if (stat !== undefined && stat.parentPid === parentPid) stats.push(stat);
  }
  return stats;
}

/**
 * Every descendant of `root` now (children, their children, …), walked through the children files: a few reads per
 * process of the tree instead of one per process of the namespace. The whole table, filtered to the tree, where the
 * kernel has no children files. Best effort, like readChildren: for looks repeated now and then, not for a decision
 * that must see every process at once.
 */
export function readDescendants(root: number = process.pid): ProcessStat[] {
  const found: ProcessStat[] = [];
  const seen = new Set<number>([root]);
  const pending = [root];
  while (pending.length > 0) {
    const parent = pending.pop() as number;
    const children = readChildren(parent);
    for (const child of children) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      found.push(child);
      pending.push(child.pid);
    }
  }
  return found;
}

/** One process's /proc/<pid>/stat, or undefined when it is gone (or /proc is not there). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * Whether process `pid` exists now: kill(pid, 0) succeeds, or fails with EPERM (it runs under another user). A
 * zombie exists until it is reaped (kill(2)).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
