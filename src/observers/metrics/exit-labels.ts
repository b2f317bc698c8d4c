import type { ServerExit } from '../../process/server-exit.ts';

/**
 * The labels of podvisor_server_exits_total for one exit: `code="3",signal=""` for an exit code,
 * `code="",signal="SIGKILL"` for a signal. Prometheus treats an empty label as absent, so
 * `podvisor_server_exits_total{signal!=""}` selects the deaths by signal.
 */
export function exitLabels(exit: ServerExit): { readonly code: string; readonly signal: string } {
  if (exit.signal !== null) return { code: '', signal: exit.signal };
  return { code: String(exit.code ?? ''), signal: '' };
}
