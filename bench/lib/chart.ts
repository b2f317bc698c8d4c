import type { BenchRow } from './report.ts';

export interface ChartPanel {
  readonly title: string;
  readonly unit: string;
  readonly goal?: string;
  readonly rows: readonly BenchRow[];
}

const WIDTH = 760;
const LABEL = 130;
const BAR_AREA = WIDTH - LABEL - 110;
const BAR = 14;
const GAP = 4;

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * A hand-written horizontal bar chart, one panel per metric, bars on a log scale (the figures span 0.2 ms to
 * 1 s) from the panel's smallest positive median. podvisor's bar is highlighted; absent subjects are listed as such.
 */
export function barChart(title: string, panels: readonly ChartPanel[]): string {
  const parts: string[] = [];
  let y = 34;
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(panel.title)}${panel.goal === undefined ? '' : ` (goal ${escape(panel.goal)})`}</text>`);
    y += 8;
    const values = panel.rows.map((row) => row.median).filter((value): value is number => value !== null && value > 0);
    const low = Math.min(...values) / 2;
    const high = Math.max(...values);
    const scale = (value: number): number => (value <= 0 ? 2 : Math.max(2, (Math.log10(value / low) / Math.log10(high / low || 10)) * BAR_AREA));
    for (const row of panel.rows) {
      y += GAP;
      const podvisor = row.subject === 'podvisor';
      parts.push(`<text x="${LABEL - 6}" y="${y + BAR - 3}" text-anchor="end"${podvisor ? ' font-weight="bold"' : ''}>${escape(row.subject)}</text>`);
      if (row.median === null) {
        parts.push(`<text x="${LABEL + 4}" y="${y + BAR - 3}" fill="#888">absent</text>`);
      } else {
        const width = scale(row.median);
        parts.push(`<rect x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${podvisor ? '#d9534f' : row.subject === 'direct' ? '#aaaaaa' : '#5b8bd9'}"/>`);
        parts.push(`<text x="${(LABEL + width + 4).toFixed(1)}" y="${y + BAR - 3}">${format(row.median)} ${escape(panel.unit)}</text>`);
      }
      y += BAR;
    }
    y += 28;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
