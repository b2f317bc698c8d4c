/** `podvisor ctl`'s subcommands (docs/shutdown.md, "podvisor ctl"). */
export const CTL_COMMANDS = ['status', 'restart', 'reload', 'stop'] as const;
export type CtlCommand = (typeof CTL_COMMANDS)[number];

export type CtlRequest =
  | { readonly command: 'status'; readonly json: boolean }
  | { readonly command: 'restart' }
  | { readonly command: 'reload' }
  | { readonly command: 'stop'; readonly now: boolean }
  | { readonly command: 'help' };

export type ParsedCtlArguments = { readonly ok: true; readonly request: CtlRequest } | { readonly ok: false; readonly message: string };

/** The options each subcommand takes. */
const OPTIONS: Readonly<Record<CtlCommand, readonly string[]>> = { status: ['--json'], restart: [], reload: [], stop: ['--now'] };

export const CTL_USAGE = `usage: podvisor ctl status [--json] | restart | reload | stop [--now]

Talks to the podvisor that runs in this container: PID 1 when that is podvisor, else the process named by the
first line of PODVISOR_PID_FILE. For \`kubectl exec POD -- podvisor ctl restart\`; needs no shell, kill or curl.

  status        what podvisor's GET /status says (on 127.0.0.1, at PODVISOR_HTTP_PORT), readably; --json: as it is
  restart       restarts the server in place, as SIGINT does, and waits to see it running again
  reload        re-reads the prefs file and passes SIGHUP on to the server, as SIGHUP does
  stop          shuts podvisor down as the kubelet's SIGTERM does: not ready at once, the server serves on for
                the shutdown delay, then drains
  stop --now    the same without the shutdown delay (SIGTERM, then SIGINT once the SIGTERM is delivered)

exit status: 0 done; 1 no podvisor to talk to, not allowed to signal it, or the outcome not seen; 2 bad usage.
`;

/** `podvisor ctl ARGS`: one subcommand and its options, in any order. Pure. */
export function parseCtlArguments(argv: readonly string[]): ParsedCtlArguments {
  if (argv.includes('--help') || argv.includes('-h')) return { ok: true, request: { command: 'help' } };
  const words = argv.filter((word) => !word.startsWith('-'));
  const options = argv.filter((word) => word.startsWith('-'));
  const [command, ...extra] = words;
  if (command === undefined) return { ok: false, message: `a subcommand is needed: ${CTL_COMMANDS.join(', ')}` };
  if (!(CTL_COMMANDS as readonly string[]).includes(command)) return { ok: false, message: `unknown subcommand ${JSON.stringify(command)}; accepted: ${CTL_COMMANDS.join(', ')}` };
  const known = OPTIONS[command as CtlCommand];
  if (extra.length > 0) return { ok: false, message: `${command} takes no further words (got ${extra.map((word) => JSON.stringify(word)).join(' ')})` };
  const unknown = options.filter((option) => !known.includes(option));
  if (unknown.length > 0) {
    const accepted = known.length === 0 ? 'none' : known.join(', ');
    return { ok: false, message: `unknown option ${unknown.map((option) => JSON.stringify(option)).join(' ')} for ${command}; accepted: ${accepted}` };
  }
  switch (command as CtlCommand) {
    case 'status':
      return { ok: true, request: { command: 'status', json: options.includes('--json') } };
    case 'stop':
      return { ok: true, request: { command: 'stop', now: options.includes('--now') } };
    case 'restart':
      return { ok: true, request: { command: 'restart' } };
    case 'reload':
      return { ok: true, request: { command: 'reload' } };
  }
}
