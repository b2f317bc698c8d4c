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

/** One process's /proc/<pid>/stat, or undefined when it is gone (or /proc is not there). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}
