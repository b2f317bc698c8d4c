// Writes monitoring/podvisor.rules.yaml: the chart's alerting rules (helm/podvisor/templates/_prometheus-rules.tpl)
// as a plain Prometheus rule file, for a Prometheus without the Operator. Rendered by the real helm with the rules'
// scope "all" (every podvisor series, not one release's pods); test/chart/prometheus-rules.test.ts fails when the
// file and the chart differ.
//
//   node scripts/render-prometheus-rules.ts
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RULES_FILE = join(root, 'monitoring', 'podvisor.rules.yaml');
/** The chart values that render the plain rule file. */
export const PLAIN_RULES_VALUES = { metrics: { prometheusRule: { enabled: true, scope: 'all' } } } as const;

const HEADER = `# podvisor's alerting rules for Prometheus (rule_files:), usable without the Prometheus Operator, with any scrape
# setup of docs/monitoring.md. Generated from helm/podvisor/templates/_prometheus-rules.tpl by
# \`node scripts/render-prometheus-rules.ts\`; do not edit (test/chart/prometheus-rules.test.ts checks it).
# Thresholds are the chart's defaults (metrics.prometheusRule.*).
`;

/** The plain rule file's text for these rule groups. */
export function rulesFileText(groups: unknown): string {
  return HEADER + stringify({ groups }, { lineWidth: 0 });
}

function helmBinary(): string {
  const cache = process.env.PODVISOR_CACHE !== undefined && process.env.PODVISOR_CACHE !== '' ? process.env.PODVISOR_CACHE : join(homedir(), '.cache', 'podvisor');
  const cached = join(cache, 'bin', 'helm');
  return existsSync(cached) ? cached : 'helm';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const directory = mkdtempSync(join(tmpdir(), 'podvisor-rules-'));
  const valuesFile = join(directory, 'values.json');
  writeFileSync(valuesFile, JSON.stringify(PLAIN_RULES_VALUES));
  let rendered: string;
  try {
    rendered = execFileSync(helmBinary(), ['template', 'podvisor', join(root, 'helm', 'podvisor'), '--values', valuesFile, '--show-only', 'templates/prometheusrule.yaml'], { encoding: 'utf8' });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const rule = parse(rendered) as { spec: { groups: unknown } };
  writeFileSync(RULES_FILE, rulesFileText(rule.spec.groups));
  process.stdout.write(`wrote ${RULES_FILE}\n`);
}
