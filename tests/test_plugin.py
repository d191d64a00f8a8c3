"""The pytest plugin's reports: short NOT DONE YET failures, and a session that survives
CPython 3.11's AST race (python/cpython#106905) instead of aborting with INTERNALERROR."""

import pytest

pytest_plugins = ["pytester"]

FAILING_THEN_PASSING = """
from dojo import todo

def test_not_done():
    print("some output the learner printed")
    todo("write the thing")

def test_wrong():
    assert 1 == 2

def test_after():
    assert True
"""

# Makes pytest's own report building fail once, the way the CPython race does.
AST_RACE_ONCE = """
import _pytest.reports as reports

original = reports.TestReport.from_item_and_call.__func__
raised = []

def from_item_and_call(cls, item, call):
    if call.excinfo is not None and not raised:
        raised.append(item.name)
        raise SystemError("AST constructor recursion depth mismatch (before=129, after=178)")
    return original(cls, item, call)

reports.TestReport.from_item_and_call = classmethod(from_item_and_call)
"""


@pytest.fixture
def run_inner(pytester):
    def run(conftest: str = ""):
        pytester.makeconftest(conftest)
        pytester.makepyfile(test_inner=FAILING_THEN_PASSING)
        return pytester.runpytest_subprocess("-p", "dojo.pytest_plugin", "-p", "no:cacheprovider")

    return run


def test_not_done_yet_is_reported_in_two_lines_without_a_traceback(run_inner):
    result = run_inner()
    result.assert_outcomes(failed=2, passed=1)
    out = result.stdout.str()
    assert "NOT DONE YET: test_not_done() in" in out
    assert "still has a TODO: write the thing" in out
    assert "dojo/harness/todo.py" not in out, "the NOT DONE YET report should not show a traceback"


def test_a_failed_report_build_does_not_abort_the_session(run_inner):
    result = run_inner(AST_RACE_ONCE)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(failed=2, passed=1)
    assert "assert 1 == 2" in result.stdout.str()
