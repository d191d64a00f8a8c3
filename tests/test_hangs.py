"""Learner code that hangs fails its test in seconds, with a message naming the likely cause,
and the rest of the run goes on.

One pytest subprocess (one Ray session) runs real kata tests against the hanging modules in
tests/robustness/ (via --impl-plan), interleaved with tests that must still pass or fail as
usual afterwards:

    k22 release_awaits_forever   an awaited asyncio future nobody resolves (in the driver)
    k13 self_get_deadlock        ray.get on a call to its own actor, inside an actor method
    k09 spins_forever            a CPU-bound loop in an actor method that never yields
"""

from __future__ import annotations

import pytest

from dojo.harness.teach import TEACHING_MARKS
from tests.robustness.session import Impl, run_session

pytest_plugins = ["pytester"]

K09, K13, K22 = "k09_async_actor", "k13_actors_awaiting_other_work", "k22_frontier"
K22_HANG = "test_release_worker_requeues_a_crashed_workers_leases"
K22_OTHER = "test_a_url_offered_twice_is_leased_once"
K13_HANG = "test_calling_itself_with_await_does_not_deadlock"
K09_HANG = "test_fetch_returns_the_service_reply"
K09_OTHER = "test_twenty_calls_overlap_on_one_actor"

HANGS = "tests.robustness"
IMPLS = [
    Impl(K22, "awaits_forever", f"{HANGS}.{K22}.release_awaits_forever", (K22_OTHER, K22_HANG)),
    Impl(K13, "self_get", f"{HANGS}.{K13}.self_get_deadlock", (K13_HANG,)),
    Impl(K09, "spins", f"{HANGS}.{K09}.spins_forever", (K09_HANG, K09_OTHER)),
    # A mutant that must still be rejected with ITS lesson, after an actor spun for 25 s.
    Impl(K09, "sync_sleep", f"tests.mutants.{K09}.sync_method_time_sleep", (K09_OTHER,)),
]  # fmt: skip
# Run in this order: each hang is followed by tests that must not notice it.
PATHS = [f"katas/{K22}/test_kata.py", f"katas/{K13}/test_kata.py", f"katas/{K09}/test_kata.py"]

# The kata files' own pytest-timeout limits: a hang must end as the test's lesson before them.
KATA_TIMEOUT = {K22: 30, K13: 90, K09: 30}
PYTEST_TIMEOUT_SAYS = "Timeout >"  # what pytest-timeout's failure looks like


def _check_hang(session, kata: str, test: str, impl: str, *causes: str) -> dict:
    record = session.result(test, impl)
    message = record["message"]
    assert record["outcome"] == "failed", f"{test}[{impl}] {record['outcome']}:\n{message}"
    assert record["when"] == "call", f"{test}[{impl}] failed in {record['when']}:\n{message}"
    assert PYTEST_TIMEOUT_SAYS not in message, (
        f"{test}[{impl}] was stopped by pytest-timeout, not by its own lesson:\n{message}"
    )
    assert record["duration"] < KATA_TIMEOUT[kata], record
    assert any(mark in message for mark in TEACHING_MARKS), f"no cause named:\n{message}"
    for cause in causes:
        assert cause in message, f"{test}[{impl}]: {cause!r} not in:\n{message}"
    return record


@pytest.mark.timeout(300)
def test_hangs_fail_fast_with_their_cause_and_the_run_goes_on(pytester, monkeypatch):
    # In the test body, not a fixture: pytest-timeout (timeout_func_only) covers only this.
    hung = run_session(pytester, monkeypatch, IMPLS, PATHS, timeout=280)
    # Three hangs, each its own lesson within the kata's limit.
    _check_hang(
        hung,
        K22,
        K22_HANG,
        "awaits_forever",
        "release_worker('w1') was still running after 5 s",
        "a future nobody resolves",
    )
    _check_hang(
        hung,
        K13,
        K13_HANG,
        "self_get",
        "the actor is deadlocked",
        "ray.get(...) on a call to the SAME actor",
    )
    # The harness's generic hang lesson names a loop that never awaits among the causes.
    _check_hang(hung, K09, K09_HANG, "spins", "was still running after 25 s", "never awaits")

    # The tests around them ran and got their normal verdicts.
    for test, impl in [
        (K22_OTHER, "awaits_forever"),
        (K09_OTHER, "spins"),
    ]:
        record = hung.result(test, impl)
        assert record["outcome"] == "passed", f"{test}[{impl}]:\n{record['message']}"
    rejected = hung.result(K09_OTHER, "sync_sleep")
    assert rejected["outcome"] == "failed", rejected
    assert "only 1 of 20 calls ran at once" in rejected["message"], rejected["message"]
    assert "a plain `def` method" in rejected["message"], rejected["message"]

    assert hung.order.index((K22_HANG, "awaits_forever")) < hung.order.index((K09_OTHER, "spins"))
    assert hung.order.index((K09_HANG, "spins")) < hung.order.index((K09_OTHER, "spins"))
    assert (hung.outcomes.get("passed"), hung.outcomes.get("failed")) == (2, 4), hung.outcomes
    assert "INTERNALERROR" not in hung.output
