"""Crashes that teach: an exception from the learner's code is shown as their own line, the
exception and, for known first-attempt crashes, a lesson; no asyncio or Ray internals."""

from __future__ import annotations

import pytest
import ray

from dojo.harness.crash import KNOWN_CRASHES, explain
from dojo.harness.feasibility import watching_is_sound
from dojo.harness.teach import finishes_within
from dojo.harness.timing import Stopwatch
from dojo.paths import REPO_ROOT
from tests.robustness import crashes
from tests.robustness.session import Impl, run_session

pytest_plugins = ["pytester"]

LEARNER_FILE = str(REPO_ROOT / "tests" / "robustness" / "crashes.py")


async def _crash(name: str) -> BaseException:
    try:
        await getattr(crashes, name.replace("-", "_"))()
    except BaseException as error:
        return error
    pytest.fail(f"{name} did not crash")


@pytest.mark.parametrize("crash", KNOWN_CRASHES, ids=lambda c: c.name)
async def test_each_known_crash_gets_its_lesson_at_the_learners_line(crash, ray_cluster):
    report = explain(await _crash(crash.name), [LEARNER_FILE])
    assert report is not None, f"{crash.name}: not recognised as the learner's crash"
    lines = report.splitlines()
    assert "robustness/crashes.py, line" in lines[1], report
    told = crash.told()
    assert lines[3:] == told, report
    assert told[0].startswith(("likely mistake:", "possible mistakes")), told
    assert "site-packages" not in report, report


async def test_an_unknown_crash_shows_the_line_and_makes_no_diagnosis(ray_cluster):
    report = explain(await _crash("plain_bug"), [LEARNER_FILE])
    assert report is not None and "KeyError: 'missing'" in report.splitlines()[0], report
    assert 'return {}["missing"]' in report and "likely mistake" not in report, report


async def test_a_crash_outside_the_learners_code_keeps_its_traceback():
    error = await _crash("plain_bug")
    assert explain(error, [str(REPO_ROOT / "katas" / "k01_await_one_ref" / "kata.py")]) is None


@pytest.mark.timeout(240)
def test_a_kata_run_shows_the_lesson_not_library_frames(pytester, monkeypatch):
    impls = [
        Impl(
            "k02_gather_many",
            "no_star",
            "tests.robustness.k02_gather_many.gather_without_star",
            ("test_results_in_the_order_of_items_not_of_completion",),
        ),
        Impl(
            "k05_first_wins",
            "raw_wait",
            "tests.robustness.k05_first_wins.wait_on_raw_refs",
            ("test_returns_while_slow_replicas_are_still_working",),
        ),
    ]
    session = run_session(
        pytester,
        monkeypatch,
        impls,
        ["katas/k02_gather_many/test_kata.py", "katas/k05_first_wins/test_kata.py"],
        timeout=200,
    )
    for impl, says in ((impls[0], "asyncio.gather(*refs)"), (impls[1], "ensure_future(ref)")):
        message = session.result(impl.only[0], impl.id)["message"]
        assert says in message and "likely mistake:" in message, message
        assert "site-packages" not in message and "asyncio/" not in message, message
        assert len(message.splitlines()) <= 6, message


async def test_a_request_larger_than_the_cluster_is_told_at_once(ray_cluster):
    if not watching_is_sound():
        pytest.skip("on a shared cluster (RAY_ADDRESS) another job's request could be blamed")
    cpus = ray.cluster_resources()["CPU"]

    @ray.remote(num_cpus=cpus * 4)
    def too_big():
        return "never runs"

    with Stopwatch() as watch, pytest.raises(pytest.fail.Exception) as failure:
        await finishes_within(too_big.remote(), 60, "too_big()")
    message = str(failure.value)
    assert f"{{'CPU': {cpus * 4:g}}}" in message and "likely mistake:" in message, message
    assert watch.elapsed < 10, f"told after {watch.elapsed:.1f} s, not at once"
