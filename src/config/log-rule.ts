/**
 * A compiled `regex:` rule. RE2's engine (re2js, a pure-JS port of RE2/J) matches in time linear in the line's
 * length whatever the pattern: a backtracking engine can take exponential time on one crafted line (`(a+)+$` and
 * forty `a` and a `!`), and podvisor would stop supervising while it does.
 */
export interface LinePattern {
  /** Whether the pattern matches anywhere in the line. */
  test(line: string): boolean;
}

/** The error-log rule (docs/output.md) as configured: which server output lines count as fatal. */
export type LogRuleSetting =
  | { readonly kind: 'off' }
  | { readonly kind: 'level'; readonly threshold: 'fatal' | 'error' }
  | { readonly kind: 'regex'; readonly source: string };

/** The rule ready to match lines: a regex compiled (compileLogRule). */
export type LogRule =
  | Exclude<LogRuleSetting, { readonly kind: 'regex' }>
  | {
      readonly kind: 'regex';
      readonly source: string;
      readonly pattern: LinePattern;
      /** How many characters of a line the pattern looks at (regexScanLimit). */
      readonly scanLimit: number;
    };

/** The most of a line a regex looks at: the line's head podvisor keeps (64 KiB). */
export const REGEX_MAX_SCAN = 64 * 1024;
/**
 * The work one line may cost, in RE2 instructions × characters: RE2 is linear in the line, but the factor is the
 * compiled program's size, and a short pattern can compile to thousands of instructions (`(a|b){1000}` four times:
 * 12,003), which made one 64 KiB line cost 5.3 s of PID 1's time. ~10 ns each here: at most ~20 ms a line.
 */
export const REGEX_WORK_BUDGET = 2_000_000;

/**
 * How many characters of a line a pattern of `programSize` RE2 instructions looks at: all of the 64 KiB head when
 * that fits the work budget (any pattern of up to 30 instructions), less for larger programs, never below 64. Pure.
 */
export function regexScanLimit(programSize: number): number {
  return Math.min(REGEX_MAX_SCAN, Math.max(64, Math.floor(REGEX_WORK_BUDGET / Math.max(1, programSize))));
}

/** What the error message says is accepted: RE2 refuses what it cannot match in linear time. */
export const REGEX_SYNTAX = 'RE2 syntax (no backreferences such as \\1, no lookahead or lookbehind; flags inline, e.g. (?i)fatal)';

/** The setting's shape; the regex itself is compiled by compileLogRule, which loads the engine only when needed. */
export function parseLogRule(text: string): LogRuleSetting {
  if (text === 'off') return { kind: 'off' };
  if (text === 'fatal' || text === 'error') return { kind: 'level', threshold: text };
  if (text.startsWith('regex:')) {
    const source = text.slice('regex:'.length);
    if (source === '') throw new Error('the regex is empty');
    return { kind: 'regex', source };
  }
  throw new Error('unknown rule');
}

export type CompiledRule = { readonly ok: true; readonly rule: LogRule } | { readonly ok: false; readonly message: string };

/**
 * Compiles a regex rule with RE2 (loaded here, so that podvisor's start pays for the engine only when a regex
 * rule is configured); other rules pass unchanged.
 */
export async function compileLogRule(setting: LogRuleSetting): Promise<CompiledRule> {
  if (setting.kind !== 'regex') return { ok: true, rule: setting };
  const { RE2JS } = await import('re2js');
  try {
    const compiled = RE2JS.compile(setting.source);
    const scanLimit = regexScanLimit(compiled.programSize());
    const pattern: LinePattern = { test: (line) => compiled.test(line.length > scanLimit ? line.slice(0, scanLimit) : line) };
    return { ok: true, rule: { ...setting, pattern, scanLimit } };
  } catch (error) {
    return { ok: false, message: `the regex does not compile as ${REGEX_SYNTAX}: ${(error as Error).message}` };
  }
}

export function describeLogRule(rule: LogRuleSetting): string {
  return rule.kind === 'off' ? 'off' : rule.kind === 'level' ? rule.threshold : `regex:${rule.source}`;
}
