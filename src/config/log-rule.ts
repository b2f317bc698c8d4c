import { RE2JS } from 're2js';

/**
 * A compiled `regex:` rule. RE2's engine (re2js, a pure-JS port of RE2/J) matches in time linear in the line's
 * length whatever the pattern: a backtracking engine can take exponential time on one crafted line (`(a+)+$` and
 * forty `a` and a `!`), and podvisor would stop supervising while it does.
 */
export interface LinePattern {
  /** Whether the pattern matches anywhere in the line (a string, or its UTF-8 bytes). */
  test(line: string | Uint8Array): boolean;
}

/** The error-log rule of SPEC §5: which server output lines count as fatal. */
export type LogRule =
  | { readonly kind: 'off' }
  | { readonly kind: 'level'; readonly threshold: 'fatal' | 'error' }
  | { readonly kind: 'regex'; readonly pattern: LinePattern; readonly source: string };

/** What the error message says is accepted: RE2 refuses what it cannot match in linear time. */
export const REGEX_SYNTAX = "RE2 syntax (no backreferences such as \\1, no lookahead or lookbehind; flags inline, e.g. (?i)fatal)";

export function parseLogRule(text: string): LogRule {
  if (text === 'off') return { kind: 'off' };
  if (text === 'fatal' || text === 'error') return { kind: 'level', threshold: text };
  if (text.startsWith('regex:')) {
    const source = text.slice('regex:'.length);
    if (source === '') throw new Error('the regex is empty');
    try {
      return { kind: 'regex', pattern: RE2JS.compile(source), source };
    } catch (error) {
      throw new Error(`the regex does not compile as ${REGEX_SYNTAX}: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new Error('unknown rule');
}

export function describeLogRule(rule: LogRule): string {
  return rule.kind === 'off' ? 'off' : rule.kind === 'level' ? rule.threshold : `regex:${rule.source}`;
}
