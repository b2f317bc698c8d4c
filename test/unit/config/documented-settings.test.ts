import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { SETTINGS } from '../../../src/config/settings.ts';
import { ROOT } from '../../helpers/podvisor-process.ts';

it('docs/configuration.md documents every setting with its flag and default', () => {
  const page = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  for (const setting of Object.values(SETTINGS)) {
    const row = page.split('\n').find((line) => line.startsWith(`| \`${setting.env}\` |`));
    assert.ok(row, `${setting.env} has a row in the settings table of docs/configuration.md`);
    assert.ok(row.includes(`\`${setting.flag}\``), `${setting.env}: flag ${setting.flag}`);
    assert.ok(row.includes(setting.defaultValue === undefined ? '(none)' : `\`${setting.defaultValue}\``), `${setting.env}: default`);
  }
});
