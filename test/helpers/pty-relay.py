"""Runs a command on a new pseudo-terminal and relays it: what arrives on this program's stdin is typed into the
terminal, what the terminal shows is written to this program's stdout. The command gets the terminal as its
controlling terminal and is its foreground process group (as a login shell or `docker run -it` would start it).

    python3 pty-relay.py ROWS COLUMNS COMMAND [ARGS...]

Its first line on stderr is "pid N" (the command's pid). Its exit status is the command's (128+N for signal N).
With PTY_RELAY_STAMP=FILE in the environment, the wall clock in ns is appended to FILE just before the command's
exec (bench/terminal.bench.ts times from there, not from Python's own start).
Only the standard library: test/helpers/pty.ts runs it with the machine's python3.
"""
import errno
import fcntl
import os
import select
import struct
import sys
import termios
import time


def main():
    rows, columns = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[3:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', rows, columns, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        stamp = os.environ.get('PTY_RELAY_STAMP')
        if stamp:
            with open(stamp, 'a') as stamps:
                stamps.write('%d\n' % time.time_ns())
        try:
            os.execvp(command[0], command)
        except OSError as error:
            os.write(2, ('pty-relay: cannot run %s: %s\n' % (command[0], error.strerror)).encode())
            os._exit(127)
    os.close(slave)
    sys.stderr.write('pid %d\n' % pid)
    sys.stderr.flush()
    watched = [master, 0]
    status = None
    while True:
        readable, _, _ = select.select(watched, [], [], 0.05)
        if master in readable:
            try:
                data = os.read(master, 65536)
            except OSError as error:
                if error.errno != errno.EIO:
                    raise
                data = b''
            if not data:
                # EIO: nothing holds the terminal's other end any more.
                break
            os.write(1, data)
        if 0 in readable:
            data = os.read(0, 65536)
            if data:
                os.write(master, data)
            else:
                watched.remove(0)
        if status is None:
            ended, status_word = os.waitpid(pid, os.WNOHANG)
            if ended == pid:
                status = status_word
                # The command is gone; what it (or a process that kept the terminal) wrote last is still read,
                # for a moment, then the relay ends even if a straggler holds the terminal open.
                watched = [master]
                deadline = 20
        else:
            deadline -= 1
            if deadline <= 0 and master not in readable:
                break
    if status is None:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(128 - code if code < 0 else code)


main()
