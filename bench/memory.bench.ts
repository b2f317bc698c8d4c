/**
 * Memory: the supervisor's own steady RSS (VmRSS of its pid, not of the server's) while it supervises a
 * sleeping server. podvisor runs with its HTTP port open (/metrics loaded), as in a pod; Kubernetes off.
 * node bench/memory.bench.ts [SAMPLES]
 */
import { createServer } from 'node:net';
import { once } from 'node:events';
import { orAbsent, printResult, progress, row, type BenchRow } from './lib/report.ts';
import { SUBJECTS, delay, launch, rssMb } from './lib/subjects.ts';

const SAMPLES = Number(process.argv[2] ?? 20);
const METRIC = 'steady RSS of the supervisor';
const SETTLE_MS = 3000;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const rows: BenchRow[] = [];
for (const subject of SUBJECTS) {
  progress(`memory: ${subject}, ${SAMPLES} samples`);
  const goal = subject === 'podvisor' ? '≤ 60 MB' : undefined;
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
        for (let i = 0; i < SAMPLES; i++) {
          samples.push(rssMb(running.pid));
          await delay(100);
        }
        return row(subject, METRIC, 'MB', samples, goal === undefined ? {} : { goal });
      } finally {
        await running.stop();
      }
    }, goal),
  );
}
printResult('memory', rows);
