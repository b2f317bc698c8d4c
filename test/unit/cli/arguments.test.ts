import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArguments } from '../../../src/cli/arguments.ts';

describe('parseArguments', () => {
  it('takes flags with a separate or an attached value, then the command after --', () => {
    const parsed = parseArguments(['--drain-seconds', '5', '--http-port=0', '--', 'nginx', '-g', 'daemon off;']);
    assert.deepEqual(parsed.flagValues, { PODVISOR_DRAIN_SECONDS: '5', PODVISOR_HTTP_PORT: '0' });
    assert.deepEqual(parsed.command, ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(parsed.errors, []);
  });
  it('the first word that is not a flag starts the command', () => {
    assert.deepEqual(parseArguments(['--log-level', 'debug', 'sleep', '--help']).command, ['sleep', '--help']);
  });
  it('no command means the reference server', () => assert.deepEqual(parseArguments(['--http-port', '0']).command, []));
  it('reports unknown flags and flags without a value', () => {
    const parsed = parseArguments(['--bogus', '1', '--drain-seconds']);
    assert.equal(parsed.errors.length, 2);
    assert.match(parsed.errors[0] ?? '', /unknown flag "--bogus"/);
    assert.match(parsed.errors[1] ?? '', /--drain-seconds needs a value \(PODVISOR_DRAIN_SECONDS\)/);
  });
  it('--help and --version', () => {
    assert.equal(parseArguments(['--help']).help, true);
    assert.equal(parseArguments(['--version']).version, true);
  });
});
