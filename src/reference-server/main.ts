import { createServerKit, type SettableState } from '../server/index.ts';
import { readStreamSettings } from './stream-settings.ts';
import { streamServer } from './stream-server.ts';

// The default server podvisor runs when given no command (docs/kit.md), built only on podvisor/server.
const kit = createServerKit();

// The operator's switches (podvisor forwards both signals): SIGUSR1 toggles refusing_connections, SIGUSR2
// toggles idle; a second press returns to running. They also keep Node from opening its inspector on SIGUSR1.
const toggle = (state: SettableState): void => {
  kit.setState(kit.state === state ? 'running' : state);
};
process.on('SIGUSR1', () => toggle('refusing_connections'));
process.on('SIGUSR2', () => toggle('idle'));

const read = readStreamSettings(process.env);
if (!read.ok) {
  // Bad settings are a start-up failure: exit 255, and podvisor does not restart it.
  await kit.run({
    start: () => {
      throw new Error(`bad configuration: ${read.errors.join('; ')}`);
    },
  });
} else {
  await kit.run(streamServer(kit, read.settings));
}
