/**
 * The level of one server output line (docs/output.md), decided from the level position only: a top-level JSON
 * `level`/`severity` key, a logfmt `level=` pair, a syslog `<PRI>`, a klog/glog letter, or the level word that
 * leads the line (after timestamp parts, a program name or a thread in brackets). A level word anywhere else —
 * in a message, a nested object, a quoted value — does not count.
 *
 * It reads bytes, not a decoded string: every character that matters is ASCII, and a line is classified on
 * the hot path of the pass-through, where decoding and allocating per line would cost more than the rest.
 */

import { PINO_LEVELS } from '../ipc/log-levels.ts';

/** The `level` label values of podvisor_log_lines_total. */
export const LINE_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'] as const;
export type LineLevel = (typeof LINE_LEVELS)[number];

/** Level words, as JSON/logfmt values, in brackets or before a colon (any case), or bare in capitals. */
const LEVEL_WORDS: ReadonlyArray<readonly [string, LineLevel]> = [
  ['fatal', 'fatal'],
  ['critical', 'fatal'],
  ['crit', 'fatal'],
  ['emergency', 'fatal'],
  ['emerg', 'fatal'],
  ['alert', 'fatal'],
  ['panic', 'fatal'],
  ['error', 'error'],
  ['err', 'error'],
  ['dpanic', 'error'],
  ['warning', 'warn'],
  ['warn', 'warn'],
  ['notice', 'info'],
  ['info', 'info'],
  ['informational', 'info'],
  ['debug', 'debug'],
  ['trace', 'trace'],
];

/** Keys that hold the level in JSON and logfmt lines (any case). */
const LEVEL_KEYS: readonly string[] = ['level', 'severity', 'lvl', 'log.level'];

/** How many prefix tokens (timestamp parts, a program name, a thread) may come before a leading level word. */
const MAX_PREFIX_TOKENS = 4;

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;

/** Words grouped by length, as lower-case byte arrays, for comparison without allocating. */
const WORDS_BY_LENGTH = groupByLength(LEVEL_WORDS.map(([word, level]) => [word, level] as const));
const KEYS_BY_LENGTH = groupByLength(LEVEL_KEYS.map((key) => [key, 'unknown'] as const));

function groupByLength(entries: ReadonlyArray<readonly [string, LineLevel]>): Map<number, Array<readonly [Uint8Array, LineLevel]>> {
  const groups = new Map<number, Array<readonly [Uint8Array, LineLevel]>>();
  for (const [word, level] of entries) {
    const group = groups.get(word.length) ?? [];
    group.push([Buffer.from(word, 'latin1'), level]);
    groups.set(word.length, group);
  }
  return groups;
}

/** Classifies `bytes[start, end)`: one line without its newline (in practice its first 64 KiB at most). */
export function classifyLine(bytes: Uint8Array, start = 0, end = bytes.length): LineLevel {
  const index = skipBlanks(bytes, start, end);
  if (index === end) return 'unknown';
  const first = bytes[index] as number;
  if (first === OPEN_BRACE) return jsonLevel(bytes, index, end);
  if (first === LESS_THAN) {
    const syslog = syslogPriorityLevel(bytes, index, end);
    if (syslog !== undefined) return syslog;
  }
  const keyEnd = logfmtKeyEnd(bytes, index, end);
  if (keyEnd !== index && keyEnd < end && bytes[keyEnd] === EQUALS) return logfmtLevel(bytes, index, end);
  return leadingWordLevel(bytes, index, end);
}

/** classifyLine for a string (tests, the regex path): UTF-8 bytes. */
export function classifyText(text: string): LineLevel {
  return classifyLine(Buffer.from(text, 'utf8'));
}

/** pino's (and bunyan's) numeric levels: 10 trace … 60 fatal; a value between two levels counts as the lower. */
export function pinoLevel(value: number): LineLevel {
  if (!Number.isFinite(value) || value < PINO_LEVELS.trace) return 'unknown';
  if (value >= PINO_LEVELS.fatal) return 'fatal';
  if (value >= PINO_LEVELS.error) return 'error';
  if (value >= PINO_LEVELS.warn) return 'warn';
  if (value >= PINO_LEVELS.info) return 'info';
  if (value >= PINO_LEVELS.debug) return 'debug';
  return 'trace';
}

/** The level named by `bytes[start, end)` in any case, or undefined. */
function levelWord(bytes: Uint8Array, start: number, end: number): LineLevel | undefined {
  const group = WORDS_BY_LENGTH.get(end - start);
  if (group === undefined) return undefined;
  for (const [word, level] of group) if (equalsIgnoringCase(bytes, start, word)) return level;
  return undefined;
}

function isLevelKey(bytes: Uint8Array, start: number, end: number): boolean {
  const group = KEYS_BY_LENGTH.get(end - start);
  if (group === undefined) return false;
  for (const [key] of group) if (equalsIgnoringCase(bytes, start, key)) return true;
  return false;
}

/** Whether bytes from `start` equal the lower-case ASCII `word`, ignoring case. */
function equalsIgnoringCase(bytes: Uint8Array, start: number, word: Uint8Array): boolean {
  for (let offset = 0; offset < word.length; offset++) {
    const code = bytes[start + offset] as number;
    const lower = code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
    if (lower !== word[offset]) return false;
  }
  return true;
}

function isUpperCase(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const code = bytes[index] as number;
    if (code >= 0x61 && code <= 0x7a) return false;
  }
  return true;
}

function isBlank(code: number | undefined): boolean {
  return code === SPACE || code === TAB;
}

function skipBlanks(bytes: Uint8Array, index: number, end: number): number {
  let at = index;
  while (at < end && isBlank(bytes[at])) at++;
  return at;
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

function isLetter(code: number | undefined): boolean {
  return code !== undefined && ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a));
}

// ---- JSON: the first top-level level key ----

function jsonLevel(bytes: Uint8Array, start: number, end: number): LineLevel {
  let index = skipBlanks(bytes, start + 1, end);
  while (index < end) {
    if (bytes[index] !== QUOTE) return 'unknown';
    const keyEnd = stringEnd(bytes, index, end);
    if (keyEnd === -1) return 'unknown';
    const isLevel = isLevelKey(bytes, index + 1, keyEnd);
    index = skipBlanks(bytes, keyEnd + 1, end);
    if (bytes[index] !== COLON) return 'unknown';
    index = skipBlanks(bytes, index + 1, end);
    if (isLevel) return jsonValueLevel(bytes, index, end);
    index = skipJsonValue(bytes, index, end);
    if (index === -1) return 'unknown';
    index = skipBlanks(bytes, index, end);
    if (bytes[index] !== COMMA) return 'unknown';
    index = skipBlanks(bytes, index + 1, end);
  }
  return 'unknown';
}

function jsonValueLevel(bytes: Uint8Array, index: number, end: number): LineLevel {
  const code = bytes[index];
  if (code === QUOTE) {
    const close = stringEnd(bytes, index, end);
    return close === -1 ? 'unknown' : (levelWord(bytes, index + 1, close) ?? 'unknown');
  }
  if (!isDigit(code)) return 'unknown';
  let value = 0;
  let at = index;
  while (at < end && isDigit(bytes[at]) && value < 1e6) value = value * 10 + ((bytes[at++] as number) - 0x30);
  return pinoLevel(value);
}

/** The index of the quote that closes the string opening at `open`, or -1. */
function stringEnd(bytes: Uint8Array, open: number, end: number): number {
  for (let index = open + 1; index < end; index++) {
    const code = bytes[index];
    if (code === BACKSLASH) index++;
    else if (code === QUOTE) return index;
  }
  return -1;
}

/** The index just after the JSON value at `index` (string, object, array, number or literal), or -1. */
function skipJsonValue(bytes: Uint8Array, index: number, end: number): number {
  const code = bytes[index];
  if (code === QUOTE) {
    const close = stringEnd(bytes, index, end);
    return close === -1 ? -1 : close + 1;
  }
  if (code === OPEN_BRACE || code === OPEN_BRACKET) {
    let depth = 0;
    for (let at = index; at < end; at++) {
      const inner = bytes[at];
      if (inner === QUOTE) {
        at = stringEnd(bytes, at, end);
        if (at === -1) return -1;
      } else if (inner === OPEN_BRACE || inner === OPEN_BRACKET) {
        depth++;
      } else if (inner === CLOSE_BRACE || inner === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return at + 1;
      }
    }
    return -1;
  }
  let at = index;
  while (at < end) {
    const inner = bytes[at];
    if (inner === COMMA || inner === CLOSE_BRACE || inner === CLOSE_BRACKET || isBlank(inner)) break;
    at++;
  }
  return at === index ? -1 : at;
}

// ---- logfmt: the first level key among the leading key=value pairs ----

function isLogfmtKeyChar(code: number | undefined): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === 0x2e || code === 0x2d || code === 0x40 || code === 0x2f;
}

/** The index after the run of key characters at `index` (`index` itself when there is none). */
function logfmtKeyEnd(bytes: Uint8Array, index: number, end: number): number {
  let at = index;
  while (at < end && isLogfmtKeyChar(bytes[at])) at++;
  return at;
}

function logfmtLevel(bytes: Uint8Array, start: number, end: number): LineLevel {
  let index = start;
  while (index < end) {
    const keyEnd = logfmtKeyEnd(bytes, index, end);
    if (keyEnd === index || bytes[keyEnd] !== EQUALS) return 'unknown';
    const isLevel = isLevelKey(bytes, index, keyEnd);
    let valueStart = keyEnd + 1;
    let valueEnd: number;
    let next: number;
    if (bytes[valueStart] === QUOTE) {
      const close = stringEnd(bytes, valueStart, end);
      if (close === -1) return 'unknown';
      valueStart++;
      valueEnd = close;
      next = close + 1;
    } else {
      valueEnd = valueStart;
      while (valueEnd < end && !isBlank(bytes[valueEnd])) valueEnd++;
      next = valueEnd;
    }
    if (isLevel) return levelWord(bytes, valueStart, valueEnd) ?? 'unknown';
    index = skipBlanks(bytes, next, end);
  }
  return 'unknown';
}

// ---- syslog <PRI>, klog, and the leading level word ----

const SYSLOG_SEVERITIES: readonly LineLevel[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];

/** `<PRI>` as syslog (RFC 3164/5424) and sd-daemon write it: the severity is PRI mod 8. */
function syslogPriorityLevel(bytes: Uint8Array, start: number, end: number): LineLevel | undefined {
  let priority = 0;
  let at = start + 1;
  while (at < end && at <= start + 3 && isDigit(bytes[at])) priority = priority * 10 + ((bytes[at++] as number) - 0x30);
  if (at === start + 1 || bytes[at] !== GREATER_THAN || priority > 191) return undefined;
  return SYSLOG_SEVERITIES[priority % 8];
}

/** klog/glog (Kubernetes components): `E1126 00:35:00.000000 …`. */
function klogLevel(bytes: Uint8Array, start: number, end: number): LineLevel | undefined {
  if (end - start < 14) return undefined;
  const letter = bytes[start];
  const level = letter === 0x49 ? 'info' : letter === 0x57 ? 'warn' : letter === 0x45 ? 'error' : letter === 0x46 ? 'fatal' : undefined;
  if (level === undefined) return undefined;
  for (let offset = 1; offset <= 4; offset++) if (!isDigit(bytes[start + offset])) return undefined;
  if (bytes[start + 5] !== SPACE || !isDigit(bytes[start + 6]) || !isDigit(bytes[start + 7]) || bytes[start + 8] !== COLON) return undefined;
  return level;
}

function leadingWordLevel(bytes: Uint8Array, start: number, end: number): LineLevel {
  const klog = klogLevel(bytes, start, end);
  if (klog !== undefined) return klog;
  let index = start;
  let programNameSeen = false;
  for (let token = 0; token <= MAX_PREFIX_TOKENS && index < end; token++) {
    if (bytes[index] === OPEN_BRACKET) {
      let close = index + 1;
      while (close < end && bytes[close] !== CLOSE_BRACKET) close++;
      if (close === end) return 'unknown';
      const inside = levelWord(bytes, skipBlanks(bytes, index + 1, close), trimEnd(bytes, index + 1, close));
      if (inside !== undefined) return inside;
      index = skipBlanks(bytes, close + 1, end);
      continue;
    }
    let wordEnd = index;
    while (wordEnd < end && isLetter(bytes[wordEnd])) wordEnd++;
    const level = wordEnd > index ? levelWord(bytes, index, wordEnd) : undefined;
    if (level !== undefined) {
      const after = wordEnd < end ? bytes[wordEnd] : undefined;
      // `FATAL:`, `panic:`, `Error:` in any case; a bare word only in capitals (`FATAL `, log4j's padded
      // `WARN  `), so that a sentence that happens to begin with "Error" or "panic" is not a level.
      if (after === COLON) return level;
      if ((after === undefined || isBlank(after)) && isUpperCase(bytes, index, wordEnd)) return level;
      // Go's runtime: `fatal error: concurrent map writes`.
      if (level === 'fatal' && startsWith(bytes, wordEnd, end, ' error:')) return 'fatal';
      return 'unknown';
    }
    let tokenEnd = index;
    while (tokenEnd < end && !isBlank(bytes[tokenEnd])) tokenEnd++;
    if (isTimestampPart(bytes, index, tokenEnd)) {
      index = skipBlanks(bytes, tokenEnd, end);
      continue;
    }
    if (!programNameSeen && isProgramName(bytes, index, tokenEnd)) {
      programNameSeen = true;
      index = skipBlanks(bytes, tokenEnd, end);
      continue;
    }
    return 'unknown';
  }
  return 'unknown';
}

function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  let at = end;
  while (at > start && isBlank(bytes[at - 1])) at--;
  return at;
}

function startsWith(bytes: Uint8Array, index: number, end: number, text: string): boolean {
  if (end - index < text.length) return false;
  for (let offset = 0; offset < text.length; offset++) if (bytes[index + offset] !== text.charCodeAt(offset)) return false;
  return true;
}

/** A date or a time: digits with `-/:.,+TZ` between them (`2026/11/26`, `00:35:00,123`); a bare number is not. */
function isTimestampPart(bytes: Uint8Array, start: number, end: number): boolean {
  if (!isDigit(bytes[start])) return false;
  let separators = 0;
  for (let index = start; index < end; index++) {
    const code = bytes[index] as number;
    if (code === 0x2d || code === 0x2f || code === COLON || code === 0x2e || code === COMMA) separators++;
    else if (!isDigit(code) && code !== 0x2b && code !== 0x54 && code !== 0x5a) return false;
  }
  return separators > 0;
}

/** `nginx:` or `sshd[123]:` — a program name before the level, as syslog and nginx's start-up write it. */
function isProgramName(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < 2 || bytes[end - 1] !== COLON || !isLetter(bytes[start])) return false;
  let index = start + 1;
  while (index < end - 1 && (isLogfmtKeyChar(bytes[index]) && bytes[index] !== 0x2f)) index++;
  if (bytes[index] === OPEN_BRACKET) {
    index++;
    while (index < end - 1 && isDigit(bytes[index])) index++;
    if (bytes[index] !== CLOSE_BRACKET) return false;
    index++;
  }
  return index === end - 1;
}
