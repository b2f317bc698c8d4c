import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideHandover, type Handover, type TerminalFacts } from '../../../src/process/terminal-handover.ts';

const PODVISOR_GROUP = 4000;

describe('decideHandover: does the next server get the terminal (through the launcher)?', () => {
  const rows: Array<[string, TerminalFacts, Handover]> = [
    ['stdin is a file, a pipe or /dev/null (a pod without tty: true): no launcher at all', { stdinIsTerminal: false, foregroundGroup: -1, ownGroup: PODVISOR_GROUP }, { give: false, why: 'not_a_terminal' }],
    ['podvisor is the foreground of its controlling terminal (docker run -it, a shell): yes', { stdinIsTerminal: true, foregroundGroup: PODVISOR_GROUP, ownGroup: PODVISOR_GROUP }, { give: true }],
    ['a terminal that is not podvisor\'s controlling one (setsid, a tty device as stdin): no', { stdinIsTerminal: true, foregroundGroup: -1, ownGroup: PODVISOR_GROUP }, { give: false, why: 'not_controlling' }],
    ['podvisor in the background (podvisor … &): the shell keeps the terminal', { stdinIsTerminal: true, foregroundGroup: 4321, ownGroup: PODVISOR_GROUP }, { give: false, why: 'background' }],
    ['the terminal has no foreground group (its last one ended): podvisor does not hold it', { stdinIsTerminal: true, foregroundGroup: 0, ownGroup: PODVISOR_GROUP }, { give: false, why: 'background' }],
  ];
  for (const [name, facts, expected] of rows) it(name, () => assert.deepEqual(decideHandover(facts), expected));
});
