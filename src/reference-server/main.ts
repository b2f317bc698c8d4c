import { createServerKit } from '../server/index.ts';
import { readStreamSettings } from './stream-settings.ts';
import { streamServer } from './stream-server.ts';

// The default server podvisor runs when given no command (SPEC §9), built only on podvisor/server.
const kit = createServerKit();
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
