import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import GithubSlugger from 'github-slugger';
import { Lexer, walkTokens, type Token } from 'marked';
import { ROOT } from '../../helpers/podvisor-process.ts';

const DOCS = join(ROOT, 'docs');
const PAGES = [join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((name) => name.endsWith('.md')).sort().map((name) => join(DOCS, name))];

/** A heading's text as GitHub renders it (code spans without their backticks, links without their targets). */
function plainText(tokens: readonly Token[]): string {
  return tokens.map((token) => ('tokens' in token && token.tokens !== undefined ? plainText(token.tokens) : 'text' in token ? String(token.text) : '')).join('');
}

interface Page {
  readonly anchors: ReadonlySet<string>;
  readonly targets: readonly string[];
}

function readPage(file: string): Page {
  const tokens = new Lexer().lex(readFileSync(file, 'utf8'));
  // GitHub numbers repeated headings (`the-proof`, `the-proof-1`), so one slugger per page, in document order.
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const targets: string[] = [];
  walkTokens(tokens, (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText(token.tokens ?? [])));
    if (token.type === 'link' || token.type === 'image') targets.push(String(token.href));
  });
  return { anchors, targets };
}

const pages = new Map(PAGES.map((file) => [file, readPage(file)]));

function anchorsOf(file: string): ReadonlySet<string> {
  const known = pages.get(file);
  if (known !== undefined) return known.anchors;
  const page = readPage(file);
  pages.set(file, page);
  return page.anchors;
}

/** Why `target`, written in `file`, does not resolve; undefined when it does (or is not a relative link). */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not ours to check
  const [path = '', anchor] = target.split('#', 2);
  const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
  if (!existsSync(destination)) return `${relative(ROOT, destination)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(destination).isDirectory() || !destination.endsWith('.md')) return `#${anchor} points into ${relative(ROOT, destination)}, which is not a markdown file`;
  return anchorsOf(destination).has(decodeURIComponent(anchor)) ? undefined : `${relative(ROOT, destination)} has no heading #${anchor}`;
}

it('every relative link in README.md and docs/*.md points at an existing file and heading', () => {
  const broken: string[] = [];
  for (const file of PAGES) {
    for (const target of pages.get(file)?.targets ?? []) {
      const why = brokenLink(file, target);
      if (why !== undefined) broken.push(`${relative(ROOT, file)}: (${target}) — ${why}`);
    }
  }
  assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
});

it('docs/README.md lists every page of docs/', () => {
  const index = join(DOCS, 'README.md');
  const listed = new Set((pages.get(index)?.targets ?? []).map((target) => target.split('#')[0]));
  const missing = PAGES.filter((file) => dirname(file) === DOCS && file !== index).map((file) => relative(DOCS, file)).filter((name) => !listed.has(name));
  assert.deepEqual(missing, [], `docs/README.md does not link to: ${missing.join(', ')}`);
});
