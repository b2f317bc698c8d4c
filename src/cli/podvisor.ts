// The entry point of bin/podvisor and of the image's ENTRYPOINT (built as dist/podvisor.cjs). Signal handlers come
// first (early-signals.ts has no imports); everything else is loaded after them, so a SIGTERM in the first
// milliseconds is kept. No top-level await: the supervision thread's bundle is CommonJS (scripts/build.mjs).
// `podvisor ctl …` is a short-lived command an operator runs beside podvisor (docs/shutdown.md, "podvisor ctl"):
// it keeps the default signal dispositions (Ctrl-C ends it) and loads its own small file only.
import { holdSignals } from './early-signals.ts';

if (process.argv[2] === 'ctl') {
  void import('./ctl/ctl.ts')
    .then(({ ctl }) => ctl(process.argv.slice(3), process.env))
    .then((status) => process.exit(status));
} else {
  const signals = holdSignals();
  void import('./main.ts').then(async ({ main, exitNow }) => exitNow(await main(process.argv.slice(2), process.env, signals)));
}
