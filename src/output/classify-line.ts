/**
 * The level of one server output line (SPEC §5), decided from the level position only: a top-level JSON
 * `level`/`severity` key, a logfmt `level=` pair, a syslog `<PRI>`, a klog/glog letter, or the level word that
 * leads the line (after a timestamp, a program name or a thread in brackets). A level word anywhere else — in
 * a message, a nested object, a quoted value — does not count.
 *
 * The text is the line without its newline, at most its first 64 KiB, decoded byte for byte (latin1), so that
 * every structural character is one char and no decoding cost is paid for the rest of the line.
 */

/** The `level` label values of podvisor_log_lines_total. */
export const LINE_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'] as const;
export type LineLevel = (typeof LINE_LEVELS)[number];

/** Level words, as JSON/logfmt values and in brackets or before a colon (any case). */
const LEVEL_WORDS: ReadonlyMap<string, LineLevel> = new Map<string, LineLevel>([
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
]);

/** Keys that hold the level in JSON and logfmt lines (compared in lower case). */
const LEVEL_KEYS: ReadonlySet<string> = new Set(['level', 'severity', 'lvl', 'log.level']);

/** How many prefix tokens (timestamp parts, a program name, a thread) may come before a leading level word. */
const MAX_PREFIX_TOKENS = 4;
/** The longest word looked at as a level word ("informational"). */
const MAX_LEVEL_WORD = 13;

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function classifyLine(text: string): LineLevel {
  let start = 0;
  while (start < text.length && isBlank(text.charCodeAt(start))) start++;
  if (start === text.length) return 'unknown';
  const first = text.charCodeAt(start);
  if (first === 0x7b /* { */) return jsonLevel(text, start);
  if (first === 0x3c /* < */) {
    const syslog = syslogPriorityLevel(text, start);
    if (syslog !== undefined) return syslog;
  }
  const keyEnd = logfmtKeyEnd(text, start);
  if (keyEnd !== -1 && text.charCodeAt(keyEnd) === 0x3d /* = */) return logfmtLevel(text, start);
  return leadingWordLevel(text, start);
}

/** pino's (and bunyan's) numeric levels: 10 trace … 60 fatal. */
export function pinoLevel(value: number): LineLevel {
  if (!Number.isFinite(value) || value < 10) return 'unknown';
  if (value >= 60) return 'fatal';
  if (value >= 50) return 'error';
  if (value >= 40) return 'warn';
  if (value >= 30) return 'info';
  if (value >= 20) return 'debug';
  return 'trace';
}

function levelWord(word: string): LineLevel | undefined {
  if (word.length === 0 || word.length > MAX_LEVEL_WORD) return undefined;
  return LEVEL_WORDS.get(word.toLowerCase());
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

// ---- JSON: the first top-level level key ----

function jsonLevel(text: string, start: number): LineLevel {
  let index = skipBlanks(text, start + 1);
  while (index < text.length) {
    if (text.charCodeAt(index) !== QUOTE) return 'unknown';
    const keyEnd = stringEnd(text, index);
    if (keyEnd === -1) return 'unknown';
    const key = text.slice(index + 1, keyEnd);
    index = skipBlanks(text, keyEnd + 1);
    if (text.charCodeAt(index) !== 0x3a /* : */) return 'unknown';
    index = skipBlanks(text, index + 1);
    if (LEVEL_KEYS.has(key.toLowerCase())) return jsonValueLevel(text, index);
    index = skipJsonValue(text, index);
    if (index === -1) return 'unknown';
    index = skipBlanks(text, index);
    if (text.charCodeAt(index) !== 0x2c /* , */) return 'unknown';
    index = skipBlanks(text, index + 1);
  }
  return 'unknown';
}

function jsonValueLevel(text: string, index: number): LineLevel {
  const code = text.charCodeAt(index);
  if (code === QUOTE) {
    const end = stringEnd(text, index);
    return end === -1 ? 'unknown' : (levelWord(text.slice(index + 1, end)) ?? 'unknown');
  }
  if ((code >= 0x30 && code <= 0x39) || code === 0x2d /* - */) {
    let end = index + 1;
    while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
    return pinoLevel(Number(text.slice(index, end)));
  }
  return 'unknown';
}

function isNumberChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d;
}

/** The index of the quote that closes the string opening at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let index = open;
  for (;;) {
    index = text.indexOf('"', index + 1);
    if (index === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return index;
  }
}

/** The index just after the JSON value at `index` (string, object, array, number or literal), or -1. */
function skipJsonValue(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code === QUOTE) {
    const end = stringEnd(text, index);
    return end === -1 ? -1 : end + 1;
  }
  if (code === 0x7b || code === 0x5b) {
    let depth = 0;
    for (let at = index; at < text.length; at++) {
      const inner = text.charCodeAt(at);
      if (inner === QUOTE) {
        at = stringEnd(text, at);
        if (at === -1) return -1;
      } else if (inner === 0x7b || inner === 0x5b) {
        depth++;
      } else if (inner === 0x7d || inner === 0x5d) {
        depth--;
        if (depth === 0) return at + 1;
      }
    }
    return -1;
  }
  let end = index;
  while (end < text.length) {
    const inner = text.charCodeAt(end);
    if (inner === 0x2c || inner === 0x7d || inner === 0x5d || isBlank(inner)) break;
    end++;
  }
  return end === index ? -1 : end;
}

function skipBlanks(text: string, index: number): number {
  let at = index;
  while (at < text.length && isBlank(text.charCodeAt(at))) at++;
  return at;
}

// ---- logfmt: the first level key among the leading key=value pairs ----

function isLogfmtKeyChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2e || code === 0x2d || code === 0x40 || code === 0x2f
  );
}

/** The index after the run of key characters at `index` (-1 when there is none). */
function logfmtKeyEnd(text: string, index: number): number {
  let end = index;
  while (end < text.length && isLogfmtKeyChar(text.charCodeAt(end))) end++;
  return end === index ? -1 : end;
}

function logfmtLevel(text: string, start: number): LineLevel {
  let index = start;
  while (index < text.length) {
    const keyEnd = logfmtKeyEnd(text, index);
    if (keyEnd === -1 || text.charCodeAt(keyEnd) !== 0x3d) return 'unknown';
    const key = text.slice(index, keyEnd);
    let valueStart = keyEnd + 1;
    let valueEnd: number;
    let next: number;
    if (text.charCodeAt(valueStart) === QUOTE) {
      const close = stringEnd(text, valueStart);
      if (close === -1) return 'unknown';
      valueStart++;
      valueEnd = close;
      next = close + 1;
    } else {
      valueEnd = valueStart;
      while (valueEnd < text.length && !isBlank(text.charCodeAt(valueEnd))) valueEnd++;
      next = valueEnd;
    }
    if (LEVEL_KEYS.has(key.toLowerCase())) return levelWord(text.slice(valueStart, valueEnd)) ?? 'unknown';
    index = skipBlanks(text, next);
  }
  return 'unknown';
}

// ---- syslog <PRI> and the leading level word ----

/** `<PRI>` as syslog (RFC 3164/5424) and sd-daemon write it: the severity is PRI mod 8. */
function syslogPriorityLevel(text: string, start: number): LineLevel | undefined {
  const close = text.indexOf('>', start);
  if (close < start + 2 || close > start + 4) return undefined;
  const digits = text.slice(start + 1, close);
  if (!/^\d+$/.test(digits)) return undefined;
  const priority = Number(digits);
  if (priority > 191) return undefined;
  const severities: readonly LineLevel[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];
  return severities[priority % 8];
}

/** klog/glog: `E1126 00:35:00.000000 …` (Kubernetes components). */
const KLOG_LEVELS: Readonly<Record<string, LineLevel>> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };
const KLOG_HEADER = /^[IWEF]\d{4} \d\d:\d\d:\d\d/;

function leadingWordLevel(text: string, start: number): LineLevel {
  if (KLOG_HEADER.test(start === 0 ? text : text.slice(start))) return KLOG_LEVELS[text.charAt(start)] ?? 'unknown';
  let index = start;
  let programNameSeen = false;
  for (let token = 0; token <= MAX_PREFIX_TOKENS && index < text.length; token++) {
    const code = text.charCodeAt(index);
    if (code === 0x5b /* [ */) {
      const close = text.indexOf(']', index + 1);
      if (close === -1) return 'unknown';
      const inside = levelWord(text.slice(index + 1, close).trim());
      if (inside !== undefined) return inside;
      index = skipBlanks(text, close + 1);
      continue;
    }
    let wordEnd = index;
    while (wordEnd < text.length && isLetter(text.charCodeAt(wordEnd))) wordEnd++;
    if (wordEnd > index) {
      const word = text.slice(index, wordEnd);
      const level = levelWord(word);
      const after = text.charCodeAt(wordEnd);
      if (level !== undefined) {
        // `FATAL:`, `panic:`, `Error:` in any case; a bare word only in capitals (`FATAL `, log4j's padded
        // `WARN  `), so that a sentence that happens to begin with "Error" or "panic" is not a level.
        if (after === 0x3a /* : */) return level;
        if ((Number.isNaN(after) || isBlank(after)) && word === word.toUpperCase()) return level;
        // Go's runtime: `fatal error: concurrent map writes`.
        if (word === 'fatal' && text.startsWith(' error:', wordEnd)) return 'fatal';
        return 'unknown';
      }
    }
    const tokenEnd = nextBlank(text, index);
    const tokenText = text.slice(index, tokenEnd);
    if (isTimestampPart(tokenText)) {
      index = skipBlanks(text, tokenEnd);
      continue;
    }
    if (!programNameSeen && /^[A-Za-z][\w.-]*(\[\d+\])?:$/.test(tokenText)) {
      programNameSeen = true;
      index = skipBlanks(text, tokenEnd);
      continue;
    }
    return 'unknown';
  }
  return 'unknown';
}

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function nextBlank(text: string, index: number): number {
  let end = index;
  while (end < text.length && !isBlank(text.charCodeAt(end))) end++;
  return end;
}

/** A date or a time: digits with `-/:.,+TZ` between them (`2026/11/26`, `00:35:00,123`); a bare number is not. */
function isTimestampPart(token: string): boolean {
  return /^\d[\d\-/:.,+TZ]*$/.test(token) && /[-/:.,]/.test(token);
}
