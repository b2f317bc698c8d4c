import type { ServerExit } from '../../process/server-exit.ts';

/**
 * The labels of podvisor_server_exits_total for one exit: `code="3",signal=""` for an exit code,
 * `code="",signal="SIGKILL"` for a signal, and `stopped_by` = `podvisor` when podvisor stopped the server (its stop
 * signal, or SIGKILL at the drain deadline), else `none`. Prometheus treats an empty label as absent, so
 * `podvisor_server_exits_total{signal!=""}` selects the deaths by signal, and `{stopped_by="none",signal="SIGKILL"}`
 * the kills podvisor did not do (the OOM killer's).
 */
export function exitLabels(exit: ServerExit, stoppedBy: 'podvisor' | undefined): { readonly code: string; readonly signal: string; readonly stopped_by: 'podvisor' | 'none' } {
  const by = stoppedBy ?? 'none';
  if (exit.signal !== null) return { code: '', signal: exit.signal, stopped_by: by };
  return { code: String(exit.code ?? ''), signal: '', stopped_by: by };
}
