import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLogRule } from '../../../src/config/log-rule.ts';
import { outputMode, type FileIdentity } from '../../../src/output/create-server-output.ts';

const fileF: FileIdentity = { device: 2049n, inode: 131_077n };
const otherFile: FileIdentity = { device: 2049n, inode: 131_078n };
const terminal: FileIdentity = { device: 24n, inode: 3n };
const sameInodeOtherDevice: FileIdentity = { device: 64_769n, inode: 131_077n };

describe('outputMode (what each setting costs, and whether the two streams are one)', () => {
  const apart = { stdout: fileF, stderr: otherFile };
  const rules = [
    ['fatal', 9464, 'separate'],
    ['fatal', 0, 'separate'],
    ['error', 0, 'separate'],
    ['regex:boom', 0, 'separate'],
    ['off', 9464, 'separate'],
    ['off', 0, 'inherit'],
  ] as const;
  for (const [rule, httpPort, mode] of rules) {
    it(`PODVISOR_RESTART_ON_LOG=${rule} PODVISOR_HTTP_PORT=${httpPort}, stdout and stderr apart → ${mode}`, () => {
      assert.equal(outputMode({ restartOnLog: parseLogRule(rule), httpPort }, apart), mode);
    });
  }

  const descriptors: Array<[string, FileIdentity | undefined, FileIdentity | undefined, 'separate' | 'combined']> = [
    ['>f 2>&1: one file', fileF, fileF, 'combined'],
    ['a terminal for both', terminal, terminal, 'combined'],
    ['two files', fileF, otherFile, 'separate'],
    ['stdout a file, stderr the terminal', fileF, terminal, 'separate'],
    ['the same inode number on two devices is two files', fileF, sameInodeOtherDevice, 'separate'],
    ['stderr closed', fileF, undefined, 'separate'],
    ['stdout closed', undefined, fileF, 'separate'],
    ['both closed', undefined, undefined, 'separate'],
  ];
  for (const [name, stdout, stderr, mode] of descriptors) {
    it(`${name} → ${mode}`, () => {
      assert.equal(outputMode({ restartOnLog: parseLogRule('fatal'), httpPort: 0 }, { stdout, stderr }), mode);
    });
  }

  it('one file, but nothing to read (rule off, no HTTP port): inherited, the kernel keeps the order', () => {
    assert.equal(outputMode({ restartOnLog: parseLogRule('off'), httpPort: 0 }, { stdout: fileF, stderr: fileF }), 'inherit');
  });
});
