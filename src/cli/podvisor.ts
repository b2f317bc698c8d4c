// The entry point of bin/podvisor and of the image's ENTRYPOINT. Signal handlers come first (early-signals.ts
// has no imports); everything else is loaded after them, so a SIGTERM in the first milliseconds is kept.
// `podvisor ctl …` is a short-lived command an operator runs beside podvisor (docs/shutdown.md, "podvisor ctl"):
// it keeps the default signal dispositions (Ctrl-C ends it) and loads its own small chunk only.
import { holdSignals } from './early-signals.ts';

if (process.argv[2] === 'ctl') {
  const { ctl } = await import('./ctl/ctl.ts');
  process.exit(await ctl(process.argv.slice(3), process.env));
}
const signals = holdSignals();
const { main } = await import('./main.ts');
const status = await main(process.argv.slice(2), process.env, signals);
process.exit(status);
