/**
 * Memory: the supervisor's own steady RSS (VmRSS of its pid, not of the server's) while it supervises a
 * sleeping server. podvisor runs with its HTTP port open (/metrics loaded), as in a pod; Kubernetes off. For podvisor
 * also its anonymous memory (smaps_rollup: what is podvisor's own, not the pages of the node executable and the
 * libraries it maps, which every Node process of the machine shares), and a Node process that does nothing (the
 * floor of any supervisor written for Node).
 * node bench/memory.bench.ts [SAMPLES]
 */
import { orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NODE, SUBJECTS, delay, launch, rssMb } from './lib/subjects.ts';
import { freePort } from '../test/helpers/podvisor-process.ts';

const SAMPLES = Number(process.argv[2] ?? 20);
const METRIC = 'steady RSS of the supervisor';
const SETTLE_MS = 3000;
const ANONYMOUS = 'steady anonymous memory of the supervisor (its own, not the executable\'s pages)';

/** Anonymous memory of `pid` in MB (smaps_rollup). */
function anonymousMb(pid: number): number {
  const match = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  if (match === null) throw new Error(`no Anonymous for ${pid}`);
  return Number(match[1]) / 1024;
}


const rows: BenchRow[] = [];
const podvisorAnonymous: number[] = [];
for (const subject of SUBJECTS) {
  progress(`memory: ${subject}, ${SAMPLES} samples`);
  const goal = subject === 'podvisor' ? '≤ 45 MB' : undefined;
  rows.push(
    await orAbsent(subject, METRIC, 'MB', async () => {
      const port = await freePort();
      const running = launch(subject, ['sleep', '600'], { podvisorEnv: { PODVISOR_HTTP_PORT: String(port), PODVISOR_HTTP_HOST: '127.0.0.1' } });
      try {
        await delay(SETTLE_MS);
        if (subject === 'podvisor') {
          // Scraped once, as Prometheus would: the metrics registry is then fully built.
          const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
          await response?.text();
          await delay(500);
        }
        const samples: number[] = [];
        const anonymous: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          samples.push(rssMb(running.pid));
          if (subject === 'podvisor') anonymous.push(anonymousMb(running.pid));
          await delay(100);
        }
        if (subject === 'podvisor') podvisorAnonymous.push(...anonymous);
        return row(subject, METRIC, 'MB', samples, goal === undefined ? {} : { goal });
      } finally {
        await running.stop();
      }
    }, goal),
  );
}
if (podvisorAnonymous.length > 0) rows.push(row('podvisor', ANONYMOUS, 'MB', podvisorAnonymous));

progress(`memory: a Node process that does nothing, ${SAMPLES} samples`);
const idle = spawn(NODE, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore', env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
try {
  await delay(SETTLE_MS);
  const samples: number[] = [];
  const anonymous: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(rssMb(idle.pid as number));
    anonymous.push(anonymousMb(idle.pid as number));
    await delay(100);
  }
  rows.push(row('plain Node', METRIC, 'MB', samples, { note: 'node -e "setInterval(…)": the floor of a supervisor written for Node' }));
  rows.push(row('plain Node', ANONYMOUS, 'MB', anonymous));
} finally {
  idle.kill('SIGKILL');
}
printResult('memory', rows);
