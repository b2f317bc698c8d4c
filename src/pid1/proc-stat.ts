/** The fields of /proc/<pid>/stat that reaping needs. */
export interface ProcessStat {
  readonly pid: number;
  readonly state: string;
  readonly parentPid: number;
  readonly processGroup: number;
}

/**
 * Parses /proc/<pid>/stat. The command name sits in parentheses and may itself hold spaces and
 * parentheses, so the fields are read after the last ")". Pure; undefined for anything malformed.
 */
export function parseProcStat(text: string): ProcessStat | undefined {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (open === -1 || close === -1) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const parentPid = Number(fields[1]);
  const processGroup = Number(fields[2]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(parentPid) || !Number.isInteger(processGroup)) return undefined;
  return { pid, state, parentPid, processGroup };
}

/** The zombies among `stats` whose parent is `parentPid` and that are not ours to leave to libuv. Pure. */
export function orphanZombies(stats: readonly ProcessStat[], parentPid: number, spawnedByUs: ReadonlySet<number>): number[] {
  return stats.filter((stat) => stat.state === 'Z' && stat.parentPid === parentPid && !spawnedByUs.has(stat.pid)).map((stat) => stat.pid);
}
