/** The error-log rule (docs/output.md): which server output lines count as fatal. */
export type LogRule =
  | { readonly kind: 'off' }
  | { readonly kind: 'level'; readonly threshold: 'fatal' | 'error' }
  | { readonly kind: 'regex'; readonly pattern: RegExp; readonly source: string };

export function parseLogRule(text: string): LogRule {
  if (text === 'off') return { kind: 'off' };
  if (text === 'fatal' || text === 'error') return { kind: 'level', threshold: text };
  if (text.startsWith('regex:')) {
    const source = text.slice('regex:'.length);
    if (source === '') throw new Error('the regex is empty');
    try {
      return { kind: 'regex', pattern: new RegExp(source), source };
    } catch (error) {
      throw new Error(`the regex does not compile: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new Error('unknown rule');
}

export function describeLogRule(rule: LogRule): string {
  return rule.kind === 'off' ? 'off' : rule.kind === 'level' ? rule.threshold : `regex:${rule.source}`;
}
