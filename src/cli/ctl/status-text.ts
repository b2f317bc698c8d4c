import type { StatusDocument } from '../../observers/http/probe-answers.ts';

/** The /status document, when `body` is one (the fields ctl reads are there, with their types). Pure. */
export function parseStatusDocument(body: string): StatusDocument | undefined {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof document !== 'object' || document === null) return undefined;
  const fields = document as Record<string, unknown>;
  const isNumber = (name: string): boolean => typeof fields[name] === 'number';
  if (typeof fields['state'] !== 'string' || typeof fields['version'] !== 'string') return undefined;
  if (!['restarts', 'uptimeSeconds', 'supervisorUptimeSeconds', 'backoffSeconds'].every(isNumber)) return undefined;
  if (fields['pid'] !== null && !isNumber('pid')) return undefined;
  if (fields['lastExit'] !== null && typeof fields['lastExit'] !== 'object') return undefined;
  return document as StatusDocument;
}

/** 4.2s, 3m12s, 2h05m, 3d04h: how long, at a glance. Pure. */
export function shownDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  const pad = (value: number): string => String(value).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  if (whole < 86400) return `${Math.floor(whole / 3600)}h${pad(Math.floor((whole % 3600) / 60))}m`;
  return `${Math.floor(whole / 86400)}d${pad(Math.floor((whole % 86400) / 3600))}h`;
}

/** How ctl found the podvisor it talks to, as `status` says it. */
export interface FoundAs {
  readonly pid: number;
  readonly how: 'pid_1' | 'pid_file';
  readonly pidFile?: string;
}

/** Where podvisor was found: "PID 1", or "pid 4242 from PODVISOR_PID_FILE=…". Pure. */
export function whereFound(found: FoundAs): string {
  return found.how === 'pid_1' ? 'PID 1' : `pid ${found.pid} from PODVISOR_PID_FILE=${JSON.stringify(found.pidFile ?? '')}`;
}

/** `podvisor ctl status`: the /status document for people, one fact a line. Pure. */
export function statusText(document: StatusDocument, found: FoundAs): string {
  const lines = [`podvisor ${document.version} (${whereFound(found)}), up ${shownDuration(document.supervisorUptimeSeconds)}`];
  const row = (name: string, value: string): void => {
    lines.push(`  ${name.padEnd(10)}${value}`);
  };
  row('state', document.state);
  if (document.pid === null) row('server', 'none running');
  else {
    const sessions = document.sessions === undefined ? '' : `, ${document.sessions} session${document.sessions === 1 ? '' : 's'}`;
    row('server', `pid ${document.pid}, up ${shownDuration(document.uptimeSeconds)}${sessions}`);
  }
  if (document.fatalLinePending) row('', 'a fatal line awaits confirmation (the server serves on meanwhile)');
  if (document.suspended) row('', 'the server is stopped (SIGSTOP): not ready');
  if (document.backoffSeconds > 0) row('backoff', `${shownDuration(document.backoffSeconds)} before the next start`);
  row('restarts', String(document.restarts));
  const { lastExit } = document;
  row('last exit', lastExit === null ? 'none yet' : `${lastExit.description}${lastExit.stoppedBy === 'podvisor' ? ' (stopped by podvisor)' : ' (on its own)'}`);
  return `${lines.join('\n')}\n`;
}
