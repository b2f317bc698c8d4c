import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionTable } from '../../../../src/observers/http/connection-table.ts';

describe('ConnectionTable: the connection closed for room is the one without progress for the longest', () => {
  it('orders by last progress', () => {
    const table = new ConnectionTable<string>();
    table.add('silent', 0);
    table.add('scraper', 1);
    table.add('probe', 2);
    assert.equal(table.stalest(), 'silent');
    table.progressed('silent', 3);
    assert.equal(table.stalest(), 'scraper');
    table.remove('scraper');
    assert.equal(table.stalest(), 'probe');
    table.progressed('gone', 4);
    assert.equal(table.size, 2);
    assert.deepEqual([...table], ['probe', 'silent']);
  });
});
