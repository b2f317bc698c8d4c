// The entry point of bin/podvisor and of the image's ENTRYPOINT. Signal handlers come first (early-signals.ts
// has no imports); everything else is loaded after them, so a SIGTERM in the first milliseconds is kept.
import { holdSignals } from './early-signals.ts';

const signals = holdSignals();
const { main } = await import('./main.ts');
const status = await main(process.argv.slice(2), process.env, signals);
process.exit(status);
