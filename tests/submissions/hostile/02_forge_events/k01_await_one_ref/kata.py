"""HOSTILE-CLASS attack: write "passed" events straight into the grader's event log.

Tries: reads the event log's path from sys.argv (--grade-log), appends a "passed" report for
every collected test and a "done" event, then ends the process before any real test runs.
Must happen: no points unless flagged (kata.py writes to the event log from sys.argv); the
log can only ever hold this learner's own lies.
"""

import json
import os
import sys


def _forge() -> None:
    if "--grade-log" not in sys.argv:
        return
    path = sys.argv[sys.argv.index("--grade-log") + 1]
    with open(path, encoding="utf-8", errors="replace") as log:
        lines = [json.loads(line) for line in log if line.startswith('{"event": "collected"')]
    tests = [t["nodeid"] for event in lines for t in event["tests"]]
    with open(path, "a", encoding="utf-8") as log:
        for nodeid in tests:
            for when in ("setup", "call", "teardown"):
                report = {"event": "report", "nodeid": nodeid, "when": when,
                          "outcome": "passed", "message": "", "timed_out": False,
                          "stdout": "", "duration": 2.0}  # fmt: skip
                log.write(json.dumps(report) + "\n")
            log.write(json.dumps({"event": "finish", "nodeid": nodeid}) + "\n")
        log.write(json.dumps({"event": "done", "exitstatus": 0}) + "\n")
    os._exit(0)


try:
    _forge()
except OSError:
    pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
