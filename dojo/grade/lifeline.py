"""Inside a learner's sandbox: run the command, and end the whole sandbox when the grader dies.

    python -m dojo.grade.lifeline FD -- COMMAND...

FD is the read end of a pipe whose write end only the grader holds. When the grader dies,
however it dies, the kernel closes that end and the read here returns EOF: this process
then kills every process of the sandbox's PID namespace. bwrap's own --die-with-parent
misses a grader killed while bwrap is still setting the sandbox up (measured: a sandbox
outlived a grader killed right after starting it, every time); a pipe has no such window.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

# Exit code 128 + N: the command was killed by signal N (sandbox.exit_code reads it back).
SIGNALLED = 128


def _end_all_when_closed(fd: int) -> None:
    while os.read(fd, 1):  # the grader never writes: this returns only at EOF
        pass
    os.kill(-1, signal.SIGKILL)  # every process of this PID namespace we may signal...
    os._exit(137)  # ...and then this one


def main(argv: list[str]) -> int:
    fd, separator, *command = argv
    if separator != "--" or not command:
        print("usage: python -m dojo.grade.lifeline FD -- COMMAND...", file=sys.stderr)
        return 2
    child = os.fork()
    if child == 0:
        os.close(int(fd))
        os.execvp(command[0], command)
    threading.Thread(target=_end_all_when_closed, args=(int(fd),), daemon=True).start()
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):  # the shell's convention, which the grader reads back
        return SIGNALLED + os.WTERMSIG(status)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
