// The entry point of bin/podvisor and of the image's ENTRYPOINT (built as dist/podvisor.cjs). Signal handlers come
// first (early-signals.ts has no imports); everything else is loaded after them, so a SIGTERM in the first
// milliseconds is kept. No top-level await: the supervision thread's bundle is CommonJS (scripts/build.mjs).
import { holdSignals } from './early-signals.ts';

const signals = holdSignals();
void import('./main.ts')
  .then(({ main }) => main(process.argv.slice(2), process.env, signals))
  .then((status) => process.exit(status));
