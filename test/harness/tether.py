"""Runs a command and kills it when our stdin closes (the parent died, even by SIGKILL).

For daemons that drop privileges, where PR_SET_PDEATHSIG is cleared by the kernel.
SIGTERM/SIGINT are forwarded; the exit status is the child's.
"""
import signal
import subprocess
import sys

from stdin_eof import on_stdin_close


def main():
    child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))

    on_stdin_close(child.kill)
    code = child.wait()
    sys.exit(128 - code if code < 0 else code)


if __name__ == '__main__':
    main()
