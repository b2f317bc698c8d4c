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
export type LogRule = Exclude<LogRuleSetting, { readonly kind: 'regex' }> | { readonly kind: 'regex'; readonly source: string; readonly pattern: LinePattern };

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
    return { ok: true, rule: { ...setting, pattern: RE2JS.compile(setting.source) } };
  } catch (error) {
    return { ok: false, message: `the regex does not compile as ${REGEX_SYNTAX}: ${(error as Error).message}` };
  }
}

export function describeLogRule(rule: LogRuleSetting): string {
  return rule.kind === 'off' ? 'off' : rule.kind === 'level' ? rule.threshold : `regex:${rule.source}`;
}
