"""HOSTILE-CLASS attack: flood the grader with output.

Tries: writes 256 MiB straight to every pipe or log file its process holds (pytest's saved
stdout, i.e. the grader's pipe or pytest log, bypassing pytest's capture), then prints 64 MiB
through the capture (which lands in the event log's "stdout" field); greet is wrong.
Must happen: grading goes on, the grader's memory stays bounded, and what it writes for this
learner (results.json, pytest.log) stays small: 0 points.
"""

import os
import time

_LINE = b"flood " * 170 + b"\n"  # about 1 KiB
_MIB = _LINE * 1024


def _flood(fd: int, mib: int) -> None:
    os.set_blocking(fd, False)
    for _ in range(mib):
        view, stuck_since = memoryview(_MIB), None
        while view:
            try:
                view = view[os.write(fd, view):]
                stuck_since = None
            except BlockingIOError:
                stuck_since = stuck_since or time.monotonic()
                if time.monotonic() - stuck_since > 2:
                    return  # nobody reads this pipe: not the grader's
                time.sleep(0.001)


for _fd in range(3, 256):
    try:
        _target = os.readlink(f"/proc/self/fd/{_fd}")
    except OSError:
        continue
    # The grader's pipe, or its pytest log (not Ray's own logs: those are not the grader's).
    if _target.startswith("pipe:") or (_target.endswith(".log") and "/ray" not in _target):
        try:
            _flood(_fd, 256)
        except OSError:
            pass
for _ in range(64):
    print(_MIB.decode(), end="")


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
