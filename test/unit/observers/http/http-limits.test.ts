import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionLimit } from '../../../../src/observers/http/http-limits.ts';

describe('connectionLimit', () => {
  const limits = (soft: string): string => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
  const cases: Array<[string, number, string | undefined, number]> = [
    ['a container with nofile 1024', 16384, limits('1024'), 960],
    ['a roomy limit', 16384, limits('1048576'), 16384],
    ['unlimited', 16384, limits('unlimited'), 16384],
    ['a tiny limit still leaves a few', 16384, limits('32'), 8],
    ['/proc unreadable', 16384, undefined, 16384],
  ];
  for (const [name, configured, text, expected] of cases) {
    it(name, () => assert.equal(connectionLimit(configured, text), expected));
  }
});
