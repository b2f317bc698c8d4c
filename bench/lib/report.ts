/**
 * The contract every bench/<name>.bench.ts keeps: progress on stderr, exactly one JSON object on stdout,
 * {"name", "rows": [{subject, metric, unit, median, min, max, trials, goal?, note?}]}. Import `row`, `absent` and
 * `printResult` from here instead of formatting the object by hand.
 */

export interface BenchRow {
  readonly subject: string;
  readonly metric: string;
  readonly unit: string;
  /** null when the subject lacks the feature (absent, never zero). */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly trials: number;
  /** The goal the median is held to, e.g. "≤ 40 ms" or "± 5 ms". */
  readonly goal?: string;
  /** Why a subject is absent, or what to know when reading the figure. */
  readonly note?: string;
}

export interface BenchResult {
  readonly name: string;
  readonly rows: readonly BenchRow[];
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly trials: number;
}

/** Median (mean of the two middle values for an even count), min, max and count of `values`. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, trials: sorted.length };
}

/** Rounds to a precision that suits the magnitude (3 significant digits, at least 0.001). */
export function round(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.abs(value)))));
  return Number(value.toFixed(digits));
}

export function row(subject: string, metric: string, unit: string, values: readonly number[], extra: { goal?: string; note?: string } = {}): BenchRow {
  const { median, min, max, trials } = summarize(values);
  return { subject, metric, unit, median: round(median), min: round(min), max: round(max), trials, ...extra };
}

/** A subject that does not have the feature measured: shown as absent, not as zero. */
export function absent(subject: string, metric: string, unit: string, note: string, goal?: string): BenchRow {
  return { subject, metric, unit, median: null, min: null, max: null, trials: 0, note, ...(goal === undefined ? {} : { goal }) };
}

/** Writes the one JSON object of the contract to stdout. */
export function printResult(name: string, rows: readonly BenchRow[]): void {
  process.stdout.write(`${JSON.stringify({ name, rows } satisfies BenchResult)}\n`);
}

/** Progress for the reader of the run, on stderr. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Measures failures of one subject without losing the others' rows. */
export async function orAbsent(subject: string, metric: string, unit: string, measure: () => Promise<BenchRow>, goal?: string): Promise<BenchRow> {
  try {
    return await measure();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    progress(`${subject} / ${metric}: ${why}`);
    return absent(subject, metric, unit, `not measured: ${why.split('\n')[0] ?? why}`, goal);
  }
}
