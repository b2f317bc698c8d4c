import { SETTINGS, type SettingKey } from '../config/settings.ts';

/** `podvisor --help`: usage, then every setting with its flag, variable, default and accepted values. */
export function helpText(version: string): string {
  const lines = [
    `podvisor ${version} — a PID-1 supervisor for Kubernetes containers`,
    '',
    'usage: podvisor [flags] [-- COMMAND [ARGS...]]',
    '       podvisor ctl status [--json] | restart | reload | stop [--now]',
    '',
    'Runs COMMAND as the server and supervises it; without one, runs the reference streaming server.',
    'Every flag is also an environment variable; the flag wins.',
    '`podvisor ctl` talks to the podvisor running in this container (PID 1, else PODVISOR_PID_FILE), e.g.',
    '`kubectl exec POD -- podvisor ctl restart`; see podvisor ctl --help. (`podvisor -- ctl` runs a server named ctl.)',
    '',
    'flags:',
  ];
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const setting = SETTINGS[key];
    lines.push(`  ${setting.flag} VALUE  (${setting.env}, default: ${setting.defaultValue ?? 'none'})`);
    lines.push(`      ${setting.help}`);
    lines.push(`      accepted: ${setting.accepts}`);
  }
  lines.push('  --help     this text', '  --version  the version', '');
  lines.push('exit status: the server\'s own (128+N when killed by signal N); 1 after giving up; 2 for bad configuration;');
  lines.push('             126/127 when the command cannot be executed / is not found; 137 when the drain deadline passed.');
  return `${lines.join('\n')}\n`;
}
