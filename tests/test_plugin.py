"""The pytest plugin's reports: short NOT DONE YET failures, and a session that survives
CPython 3.11's AST race (python/cpython#106905) instead of aborting with INTERNALERROR."""

import os
import subprocess
import sys

import pytest

from dojo.kata.catalogue import all_katas
from dojo.kata.outcomes import NOT_RUN
from dojo.kata.overview import overview
from dojo.paths import REPO_ROOT

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


@pytest.mark.timeout(600)
def test_the_first_run_of_every_stub_fits_one_screen_and_names_where_to_start(tmp_path):
    # What a learner sees first: `pytest katas/` on the shipped stubs.
    env = {**os.environ, "DOJO_STATE_DIR": str(tmp_path)}  # their progress file stays untouched
    env.pop("RAY_ADDRESS", None)  # the learner's first run: no cluster set up yet
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "katas/", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    lines = (run.stdout + run.stderr).splitlines()
    assert run.returncode == 1, run.stdout[-3000:]
    assert len(lines) <= 80, f"{len(lines)} lines:\n" + "\n".join(lines)
    first = all_katas()[0]
    assert f"Next: Kata 01 · {first.title}: read katas/{first.slug}/README.md" in run.stdout
    for kata in all_katas():
        assert f"Kata {kata.number:02d} · {kata.title}" in run.stdout, kata.slug
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr


# A kata's test file as pytester lays it out: the folder name makes it a kata's.
KATA_TESTS = """
def test_first():
    assert True

def test_second():
    assert 1 == 2, "the second rule"

def test_third():
    raise AssertionError("must not run after the second failed")

def test_fourth():
    raise AssertionError("nor this one")
"""


@pytest.fixture
def run_kata(pytester):
    pytester.mkpydir("k99_sample").joinpath("test_kata.py").write_text(KATA_TESTS)

    def run(*args):
        return pytester.runpytest_subprocess(
            "k99_sample", "-p", "dojo.pytest_plugin", "-p", "no:cacheprovider", *args
        )

    return run


def test_a_learners_run_stops_the_kata_at_its_first_failure(run_kata):
    result = run_kata()
    result.assert_outcomes(passed=1, failed=1, skipped=2)
    out = result.stdout.str()
    assert "the second rule" in out and "must not run" not in out
    assert "Not run yet in k99_sample: test_third, test_fourth. Fix test_second first" in out


def test_each_kata_stopped_early_names_its_own_first_failure(run_kata, pytester):
    other = KATA_TESTS.replace("test_second", "test_other_rule")
    pytester.mkpydir("k98_other").joinpath("test_kata.py").write_text(other)
    result = run_kata("k98_other", "-v")  # -v: the detail of each kata, not the overview
    result.assert_outcomes(passed=2, failed=2, skipped=4)
    out = result.stdout.str()
    assert "Not run yet in k98_other: test_third, test_fourth. Fix test_other_rule first" in out
    assert "Not run yet in k99_sample: test_third, test_fourth. Fix test_second first" in out


@pytest.mark.parametrize("option", ["--all-tests", "--solutions"])
def test_every_test_runs_when_asked_or_when_checking_solutions(run_kata, option):
    result = run_kata(option)
    result.assert_outcomes(passed=1, failed=3)
    assert "Not run yet" not in result.stdout.str()


def test_overview_counts_the_tests_not_run_after_the_first_failure():
    def row(test, outcome, not_done=False):
        message = "NOT DONE YET" if not_done else "wrong"
        return {"kata": "k01_await_one_ref", "test": test, "outcome": outcome,
                "not_done": not_done, "message": message}  # fmt: skip

    stub = overview([row("test_a", "failed", not_done=True), row("test_b", NOT_RUN)])
    assert "not started" in stub and "(0 of 2 tests pass, 1 not run)" in stub
    begun = overview([row("test_a", "passed"), row("test_b", "failed"), row("test_c", NOT_RUN)])
    assert "failing" in begun and "(1 of 3 tests pass, 1 not run)" in begun
    assert "test_b: wrong" in begun


def test_overview_lines_follow_each_katas_state():
    results = [
        {"kata": "k01_await_one_ref", "test": "test_a", "outcome": "passed", "not_done": False,
         "message": ""},
        {"kata": "k02_gather_many", "test": "test_b", "outcome": "failed", "not_done": False,
         "message": "only 1 of 8 in flight\nexpected: 8"},
        {"kata": "k03_io_tasks_no_cpus", "test": "test_c", "outcome": "failed",
         "not_done": True, "message": "NOT DONE YET"},
    ]  # fmt: skip
    lines = overview(results).splitlines()
    assert "done" in lines[0] and "(1 of 1 tests pass)" in lines[0]
    assert "failing" in lines[1] and lines[2].strip() == "test_b: only 1 of 8 in flight"
    assert "not started" in lines[3]
    # The kata already begun comes before the first one not started.
    assert any(line.startswith("Next: Kata 02") for line in lines), lines


def test_progress_keeps_what_it_knew_of_a_test_not_run(tmp_path):
    from dojo.kata import progress

    (tmp_path / "k01_await_one_ref").mkdir()
    (tmp_path / "k01_await_one_ref" / "kata.py").write_text("x = 1\n")
    state = tmp_path / "progress.json"

    def run(*outcomes):
        results = [{"kata": "k01_await_one_ref", "test": t, "when": w, "outcome": o,
                    "not_done": False, "message": ""} for t, w, o in outcomes]  # fmt: skip
        progress.record(results, tmp_path, state)
        return progress.load(state)["k01_await_one_ref"]["tests"]

    run(("test_a", "call", "passed"), ("test_b", "call", "passed"))
    tests = run(("test_a", "call", "failed"), ("test_b", "setup", "not_run"))
    assert tests["test_a"]["outcome"] == "failed"
    assert tests["test_b"]["outcome"] == "passed"  # same kata.py: its last verdict stands
