"""A kata's hang limit (teach.finishes_within) and pytest's own limit for a test forgive the
seconds the machine was slow, and the kata's stops short of pytest's (dojo/harness/slowness.py)."""

import asyncio
import time

import pytest
import ray

from dojo.harness import slowness
from dojo.harness.pulse import PROMPT
from dojo.harness.teach import finishes_within

pytest_plugins = ["pytester"]


@pytest.fixture
def slow_for(monkeypatch):
    """Pretend the machine was slow for so many seconds of any span."""

    def pretend(seconds: float) -> None:
        monkeypatch.setattr(slowness, "forgiven", lambda start, end: seconds)

    return pretend


async def test_a_limit_moves_on_by_the_seconds_the_machine_was_slow(ray_cluster, slow_for):
    slow_for(1.0)
    started = time.monotonic()
    assert await finishes_within(_answer_after(1.0), 0.5, "work()") == "done"
    assert time.monotonic() - started >= 1.0


async def test_a_limit_forgives_nothing_on_a_prompt_machine(ray_cluster, slow_for):
    slow_for(0.0)
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failed:
        await finishes_within(_answer_after(30.0), 1.0, "work()")
    assert time.monotonic() - started < 5.0
    message = str(failed.value)
    assert "work() was still running after 1 s" in message, message
    assert "forgiven" not in message, message


async def test_a_limit_stops_short_of_pytests_own(ray_cluster, slow_for, monkeypatch):
    slow_for(100.0)
    # pytest's limit of 2.75 s forgives as much again: it ends at 5.5 s, the kata's at 2.5 s.
    monkeypatch.setattr(slowness, "_test_limit", (time.monotonic(), 2.75))
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failed:
        await finishes_within(_answer_after(30.0), 0.5, "work()")
    assert 2.0 <= time.monotonic() - started < 5.0
    message = str(failed.value)
    assert "work() was still running after 0 s (2 s more forgiven: Ray answered slowly)" in (
        message
    ), message


@ray.remote(num_cpus=0)
def _answers_after(seconds: float) -> None:
    time.sleep(seconds)


class _SlowProbe:
    """Answers its pings PROMPT + 0.6 s late, as a probe on a loaded machine would."""

    def ping(self):
        return _answers_after.remote(PROMPT + 0.6)


def test_the_slowness_counted_is_the_probes_late_answers(ray_cluster):
    ray.get(_answers_after.remote(0))  # a worker is up: the first ping is not a start late
    slowness.watch(_SlowProbe())
    try:
        start = time.monotonic()
        time.sleep(1.5)
        end = time.monotonic()
        # The first ping was sent at 0.2 s and overdue from 0.7 s: about 0.8 s of the 1.5 s.
        assert 0.5 < slowness.forgiven(start, end) <= end - start - 0.7
    finally:
        slowness.stop()
    assert slowness.forgiven(start, end) == 0.0  # stopped: nothing is forgiven any more


async def _answer_after(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "done"


PYTEST_LIMIT = """
import time

import pytest

from dojo.harness import slowness


@pytest.mark.timeout(1.0)
def test_slow_machine(monkeypatch):
    monkeypatch.setattr(slowness, "forgiven", lambda start, end: {forgiven})
    time.sleep(1.6)
"""


@pytest.mark.parametrize(("forgiven", "outcome"), [(0.0, "failed"), (1.0, "passed")])
def test_pytests_limit_forgives_as_much_as_the_machine_was_slow(pytester, forgiven, outcome):
    pytester.makepyfile(test_limit=PYTEST_LIMIT.format(forgiven=forgiven))
    run = pytester.runpytest_subprocess("-p", "dojo.pytest_plugin", "-p", "no:cacheprovider")
    assert run.parseoutcomes().get(outcome) == 1, run.stdout.str()[-2000:]
    if outcome == "failed":
        assert "Timeout" in run.stdout.str(), run.stdout.str()[-2000:]
