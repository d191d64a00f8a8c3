"""A kata attempt that fails half-way and leaks (actors alive, one spinning on a core, tasks
holding both CPUs past the plugin's 10 s wait, sleeping tasks, lookups never awaited, a
driver task) does not change the result of the katas run after it in the same session.

One pytest subprocess (one Ray session), in this order:
    k02 test_results_in_the_order...[leaky]      tests/robustness/k02_gather_many/leaky.py
    the same k02 test with the reference solution
    all of k01 with the reference solution
    tests/robustness/check_leaks.py               the leaked actors were alive all along
"""

from __future__ import annotations

import pytest

from tests.robustness.session import Impl, run_session

pytest_plugins = ["pytester"]

K01, K02 = "k01_await_one_ref", "k02_gather_many"
K02_ORDER = "test_results_in_the_order_of_items_not_of_completion"
K01_TESTS = (
    "test_returns_the_remote_greeting",
    "test_waits_for_the_remote_work",
    "test_event_loop_keeps_ticking_while_waiting",
)

IMPLS = [
    Impl(K02, "leaky", f"tests.robustness.{K02}.leaky", (K02_ORDER,)),
    Impl(K02, "reference", f"solutions.{K02}.kata", (K02_ORDER,)),
    Impl(K01, "reference", f"solutions.{K01}.kata", K01_TESTS),
]
PATHS = [
    f"katas/{K02}/test_kata.py",
    f"katas/{K01}/test_kata.py",
    "tests/robustness/check_leaks.py",
]


@pytest.mark.timeout(240)
def test_a_leaky_failed_kata_does_not_change_later_results(pytester, monkeypatch):
    session = run_session(pytester, monkeypatch, IMPLS, PATHS, timeout=220)

    leaky = session.result(K02_ORDER, "leaky")
    assert leaky["outcome"] == "failed", leaky
    assert "lost my place after starting 2 of 5 lookups" in leaky["message"], leaky["message"]
    assert session.order[0] == (K02_ORDER, "leaky"), session.order

    later = [(K02_ORDER, "reference")] + [(test, "reference") for test in K01_TESTS]
    for test, impl in later:
        record = session.result(test, impl)
        assert record["outcome"] == "passed", f"{test}[{impl}] after the leak:\n{record['message']}"

    # The leaks were still there when the later katas ran: isolation did not come from luck.
    assert "PASSED" in session.output and "test_the_leaks_outlived_the_later_katas" in (
        session.output
    ), session.output[-3000:]
    assert "leaked spinner busy for" in session.output, session.output[-3000:]
    # The report gives each kata its wall time (`dojo verify` balances its shards by it): at
    # least what its tests' calls took (the records round to 1 ms, the seconds to 10 ms).
    for kata in {r["kata"] for r in session.results.values()}:
        calls = sum(r["duration"] for r in session.results.values() if r["kata"] == kata)
        assert session.kata_seconds.get(kata, 0.0) >= calls - 0.01 * len(session.results), (
            kata, session.kata_seconds, calls,
        )  # fmt: skip
    assert (session.outcomes.get("passed"), session.outcomes.get("failed")) == (5, 1), (
        session.outcomes
    )
