import type { LogRule } from '../config/log-rule.ts';
import type { LineLevel } from './classify-line.ts';

/**
 * Whether a line of `level` (and, for a regex rule, of `text`) is at or above the rule's threshold.
 * `text` is asked for only when the rule is a regex, so that other rules never decode the line as UTF-8.
 */
export function reachesThreshold(rule: LogRule, level: LineLevel, text: () => string): boolean {
  switch (rule.kind) {
    case 'off':
      return false;
    case 'level':
      return level === 'fatal' || (rule.threshold === 'error' && level === 'error');
    case 'regex':
      return rule.pattern.test(text());
  }
}
