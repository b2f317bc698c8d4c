/**
 * `npm run bench`: builds podvisor, checks (and if need be installs) the anchors, runs every bench/*.bench.ts in
 * sequence, and writes bench/results/results.{json,md,svg} and the results table of docs/performance.md.
 * node bench/run.ts [--only name,name] [--no-docs]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import { barChart, type ChartPanel } from './lib/chart.ts';
import { progress, type BenchResult, type BenchRow } from './lib/report.ts';
import { PM2_RUNTIME, ROOT } from './lib/subjects.ts';

/** Ours first, in the order a reader meets the figures; then every other harness found, by name. */
const FIRST = ['startup', 'signals', 'restart', 'shutdown', 'memory'];
const HARNESS_TIMEOUT_MS = 10 * 60 * 1000;
const RESULTS = join(ROOT, 'bench', 'results');
const PERFORMANCE_DOC = join(ROOT, 'docs', 'performance.md');
const BEGIN = '<!-- bench:results -->';
const END = '<!-- /bench:results -->';

const args = process.argv.slice(2);
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : undefined;
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}` };

/** What `file argv` prints (stdout, else stderr: some print their version there), or undefined. */
function run(file: string, argv: readonly string[]): string | undefined {
  const result = spawnSync(file, argv, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined) return undefined;
  const text = (result.stdout.trim() === '' ? result.stderr : result.stdout).trim().split('\n')[0] ?? '';
  return text === '' ? undefined : text;
}

function debianVersion(pkg: string): string | undefined {
  return run('dpkg-query', ['-W', '-f=${Version}', pkg]);
}

// ---- 1. build ----
progress('building podvisor');
const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: ['ignore', 'inherit', 'inherit'], env });
if (build.status !== 0) throw new Error('npm run build failed');
// A snapshot of the build beside node_modules (koffi stays resolvable): every harness runs this one.
const snapshot = join(ROOT, 'node_modules', '.cache', 'podvisor-bench');
rmSync(snapshot, { recursive: true, force: true });
mkdirSync(join(snapshot, 'bin'), { recursive: true });
cpSync(join(ROOT, 'dist'), join(snapshot, 'dist'), { recursive: true });
cpSync(join(ROOT, 'bin', 'podvisor'), join(snapshot, 'bin', 'podvisor'));
env['PODVISOR_BENCH_BIN'] = join(snapshot, 'bin', 'podvisor');

// ---- 2. anchors ----
const ANCHOR_BINARIES = ['tini', 'dumb-init', 'supervisord', 's6-supervise', 'runsv'];
const missing = ANCHOR_BINARIES.filter((binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0);
if (missing.length > 0) {
  progress(`anchors missing (${missing.join(', ')}): running scripts/install-debian-packages.sh`);
  const script = join(ROOT, 'scripts', 'install-debian-packages.sh');
  if (process.getuid?.() === 0) spawnSync('bash', [script], { stdio: 'inherit', env });
  else spawnSync('sudo', ['bash', script], { stdio: 'inherit', env });
}
if (!existsSync(PM2_RUNTIME)) {
  progress('pm2 missing: running npm ci');
  spawnSync('npm', ['ci'], { stdio: 'inherit', env, cwd: ROOT });
}
const anchors: Record<string, string> = {
  tini: run('tini', ['--version'])?.replace(/^tini version /, '') ?? 'missing',
  'dumb-init': run('dumb-init', ['--version'])?.replace(/^dumb-init /, '') ?? 'missing',
  supervisord: run('supervisord', ['--version']) ?? 'missing',
  's6-supervise': `s6 ${debianVersion('s6') ?? 'missing'}`,
  runsv: `runit ${debianVersion('runit') ?? 'missing'}`,
  'pm2-runtime': existsSync(PM2_RUNTIME) ? (run(PM2_RUNTIME, ['--version']) ?? 'unknown') : 'missing',
};
const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
const machine = { nproc: availableParallelism(), cpu, kernel: release(), node: process.version, podvisor: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string };
progress(`machine: ${JSON.stringify(machine)}`);
progress(`anchors: ${JSON.stringify(anchors)}`);

// ---- 3. harnesses ----
const found = readdirSync(join(ROOT, 'bench')).filter((file) => file.endsWith('.bench.ts')).map((file) => file.slice(0, -'.bench.ts'.length));
const order = [...FIRST.filter((name) => found.includes(name)), ...found.filter((name) => !FIRST.includes(name)).sort()].filter((name) => only === undefined || only.includes(name));

interface HarnessOutcome {
  readonly name: string;
  readonly seconds: number;
  readonly rows: readonly BenchRow[];
  readonly error?: string;
}
const outcomes: HarnessOutcome[] = [];
const began = Date.now();
for (const name of order) {
  progress(`=== ${name} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'bench', `${name}.bench.ts`)], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: HARNESS_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const json = (result.stdout ?? '').trim().split('\n').reverse().find((line) => line.startsWith('{'));
  try {
    if (json === undefined) throw new Error(`no JSON on stdout (exit ${result.status ?? result.signal})`);
    const parsed = JSON.parse(json) as BenchResult;
    outcomes.push({ name: parsed.name ?? name, seconds, rows: parsed.rows });
  } catch (error) {
    outcomes.push({ name, seconds, rows: [], error: error instanceof Error ? error.message : String(error) });
  }
  progress(`${name}: ${seconds} s`);
}
const totalSeconds = Math.round((Date.now() - began) / 1000);

// ---- 4. results ----
function goalOutcome(row: BenchRow): string | undefined {
  if (row.goal === undefined || row.median === null) return undefined;
  const match = /^(≤|<=|≥|>=|±)\s*([\d.]+)/.exec(row.goal);
  if (match === null) return undefined;
  const limit = Number(match[2]);
  const [sign, median] = [match[1], row.median];
  // A goal of 0 (no failed request) has no ratio to give.
  const ratio = limit === 0 ? '' : ` (${(median / limit).toFixed(2)}× goal)`;
  if (sign === '≤' || sign === '<=') return median <= limit ? `met${ratio}` : `missed by ${+(median - limit).toPrecision(3)} ${row.unit}${ratio}`;
  if (sign === '≥' || sign === '>=') return median >= limit ? `met${ratio}` : `missed by ${+(limit - median).toPrecision(3)} ${row.unit}${ratio}`;
  return Math.abs(median) <= limit ? 'met' : `missed by ${+(Math.abs(median) - limit).toPrecision(3)} ${row.unit}`;
}

function ratioToPodvisor(row: BenchRow, rows: readonly BenchRow[]): string {
  if (row.subject === 'podvisor') return goalOutcome(row) ?? '';
  const podvisor = rows.find((other) => other.subject === 'podvisor' && other.metric === row.metric);
  if (row.median === null || podvisor?.median === null || podvisor === undefined || podvisor.median === 0) return '';
  return `${+(row.median / podvisor.median).toPrecision(2)}× podvisor`;
}

const cell = (value: number | null): string => (value === null ? '—' : String(value));
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const table: string[] = [
  `Measured ${date} by \`npm run bench\` (${totalSeconds} s) on ${machine.nproc} × ${machine.cpu}, Linux ${machine.kernel}, Node ${machine.node}; podvisor ${machine.podvisor}.`,
  `Anchors: ${Object.entries(anchors).map(([name, version]) => `${name} ${version.replace(new RegExp(`^${name} `), '')}`).join(', ')}.`,
  '',
  'Medians over the trials, with min–max. "ratio" is the anchor\'s median over podvisor\'s; for podvisor, the goal and whether it is met. "—" means the subject does not have the feature.',
  '',
  '| harness | metric | subject | median | min–max | trials | ratio / goal | note |',
  '|---|---|---|---|---|---|---|---|',
];
for (const outcome of outcomes) {
  if (outcome.error !== undefined) table.push(`| ${outcome.name} | (harness failed: ${outcome.error}) | | | | | | |`);
  for (const row of outcome.rows) {
    const range = row.min === null ? '—' : `${row.min}–${row.max}`;
    const goal = row.subject === 'podvisor' && row.goal !== undefined ? `goal ${row.goal}: ${goalOutcome(row) ?? 'absent'}` : ratioToPodvisor(row, outcome.rows);
    table.push(`| ${outcome.name} | ${row.metric} | ${row.subject === 'podvisor' ? '**podvisor**' : row.subject} | ${cell(row.median)}${row.median === null ? '' : ` ${row.unit}`} | ${range} | ${row.trials} | ${goal} | ${(row.note ?? '').replaceAll('|', '/')} |`);
  }
}

const panels: ChartPanel[] = [];
for (const outcome of outcomes) {
  const metrics = [...new Set(outcome.rows.map((row) => row.metric))];
  for (const metric of metrics) {
    const rows = outcome.rows.filter((row) => row.metric === metric);
    if (!rows.some((row) => row.median !== null && row.median > 0)) continue;
    const podvisor = rows.find((row) => row.subject === 'podvisor');
    panels.push({ title: metric, unit: rows[0]?.unit ?? '', ...(podvisor?.goal === undefined ? {} : { goal: podvisor.goal }), rows });
  }
}

mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'results.json'), `${JSON.stringify({ date, totalSeconds, machine, anchors, harnesses: outcomes }, null, 2)}\n`);
writeFileSync(join(RESULTS, 'results.md'), `# podvisor benchmark results\n\n${table.join('\n')}\n\n![chart](results.svg)\n`);
writeFileSync(join(RESULTS, 'results.svg'), barChart(`podvisor and the anchors — medians, log scale (${machine.nproc} × ${machine.cpu}, Node ${machine.node})`, panels));
progress(`wrote ${join(RESULTS, 'results.json')}, results.md, results.svg`);

if (!args.includes('--no-docs') && only === undefined) {
  const doc = readFileSync(PERFORMANCE_DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    progress(`docs/performance.md has no ${BEGIN} … ${END} markers: table not copied`);
  } else {
    const body = `${BEGIN}\n${table.join('\n')}\n\n![podvisor against the anchors](../bench/results/results.svg)\n${END}`;
    writeFileSync(PERFORMANCE_DOC, doc.slice(0, start) + body + doc.slice(end + END.length));
    progress('docs/performance.md results table updated');
  }
}
