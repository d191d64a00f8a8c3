"""HOSTILE-CLASS attack: forge pytest's own reports from inside kata.py.

Tries: patches _pytest.reports.TestReport so that every report, failed or not, says
"passed"; greet itself returns a wrong answer.
Must happen: the lie stays in this learner's own process: its own tests may pass only if the
grader flags it (kata.py imports pytest internals); no classmate's verdict changes.
"""

import _pytest.reports

_REAL = _pytest.reports.TestReport.from_item_and_call.__func__


def _forged(cls, item, call):
    report = _REAL(cls, item, call)
    report.outcome, report.longrepr = "passed", None
    return report


_pytest.reports.TestReport.from_item_and_call = classmethod(_forged)


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
