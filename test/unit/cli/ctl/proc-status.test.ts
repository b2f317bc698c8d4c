import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isPending, parseProcessStatus } from '../../../../src/cli/ctl/proc-status.ts';

const STATUS = (uid: string, sigPnd: string, shdPnd: string): string =>
  `Name:\tnode\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t${uid}\nGid:\t0\t0\t0\t0\nSigQ:\t0/31706\nSigPnd:\t${sigPnd}\nShdPnd:\t${shdPnd}\nSigBlk:\t0000000000000000\n`;

describe('/proc/PID/status', () => {
  it('the real uid and the pending signals of the thread and the process', () => {
    const parsed = parseProcessStatus(STATUS('1000\t1000\t1000\t1000', '0000000000000000', '0000000000004000'));
    assert.deepEqual(parsed, { uid: 1000, pending: 0x4000n });
    assert.equal(isPending(parsed as NonNullable<typeof parsed>, 15), true, 'SIGTERM is bit 14');
    assert.equal(isPending(parsed as NonNullable<typeof parsed>, 2), false);
  });

  it('a signal pending for the main thread only counts too', () => {
    const parsed = parseProcessStatus(STATUS('0\t0\t0\t0', '0000000000000002', '0000000000000000'));
    assert.equal(isPending(parsed as NonNullable<typeof parsed>, 2), true);
  });

  it('malformed: undefined', () => {
    assert.equal(parseProcessStatus('Name:\tx\n'), undefined);
    assert.equal(parseProcessStatus(STATUS('x', '0', '0')), undefined);
    assert.equal(parseProcessStatus(STATUS('0', 'zz', '0')), undefined);
  });

  it('reads this very process', () => {
    const parsed = parseProcessStatus(readFileSync('/proc/self/status', 'utf8'));
    assert.equal(parsed?.uid, process.getuid?.());
  });
});
