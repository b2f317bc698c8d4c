import assert from 'node:assert/strict';
import { it } from 'node:test';
import { helpText } from '../../../src/cli/help.ts';

it('podvisor --help mentions podvisor ctl, its subcommands and its own --help', () => {
  const text = helpText('1.2.3');
  assert.match(text, /^ {7}podvisor ctl status \[--json\] \| restart \| reload \| stop \[--now\]$/m);
  assert.match(text, /podvisor ctl --help/);
  assert.match(text, /kubectl exec POD -- podvisor ctl restart/);
});
