"""HOSTILE-CLASS attack: hand in a classmate's answer, read at grading time.

Tries: looks for another learner's k01 kata.py in the class folder (found on the grader's
command line) and in the grader's staging copies under /tmp, and runs it as its own code.
Must happen: neither is visible from the sandbox; this learner scores 0.
"""

import glob
import os
from pathlib import Path

MARK = "HOSTILE-" + "CLASS"

def _ancestors_args() -> list[Path]:
    """Every existing folder named on the command line of a process above this one (the
    grader was started with the class folder and --out)."""
    found, pid = [], os.getppid()
    while pid > 1:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
            pid = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            break
        for arg in args:
            path = cwd / os.fsdecode(arg)
            if arg and path.is_dir():
                found.append(path)
    return found


def _answers():
    for folder in _ancestors_args():
        yield from folder.glob("*/k01_await_one_ref/kata.py")
    for depth in range(0, 4):
        yield from map(Path, glob.glob("/tmp/*/" + "*/" * depth + "dojo_learner_*/k01_*/kata.py"))


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"


for _answer in _answers():
    try:
        _text = _answer.read_text()
    except OSError:
        continue
    if MARK not in _text and "todo(" not in _text and "async def greet" in _text:
        exec(compile(_text, str(_answer), "exec"), globals())
        break
