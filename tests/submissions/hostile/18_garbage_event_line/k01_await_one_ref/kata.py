"""HOSTILE-CLASS attack: garbage in the grader's event log.

Tries: appends to the event log named in sys.argv (--grade-log) a line that is not JSON, bytes
that are not UTF-8, an event with missing fields, a report for a test that does not exist and
a 1 MB field; greet is wrong.
Must happen: the bad lines are dropped (and counted in this learner's result); this learner
scores 0; grading goes on.
"""

import json
import sys

GARBAGE = [
    b"this is not json\n",
    b"\xff\xfe\xfd not utf-8\n",
    b'{"event": "report"}\n',
    b"[1, 2, 3]\n",
    json.dumps({"event": "report", "nodeid": "katas/nowhere/test_kata.py::test_x", "when": "call",
                "outcome": "passed", "message": "", "timed_out": False, "stdout": ""}).encode()
    + b"\n",  # fmt: skip
    json.dumps({"event": "start", "nodeid": "x" * 1_000_000, "timeout": "soon"}).encode() + b"\n",
]

if "--grade-log" in sys.argv:
    try:
        with open(sys.argv[sys.argv.index("--grade-log") + 1], "ab") as log:
            log.writelines(GARBAGE)
    except OSError:
        pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
