"""Kata 01 · Await one ref: the tests your code must pass."""

import pytest
import ray

from dojo.harness.heartbeat import Heartbeat
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch, warm_workers

pytestmark = pytest.mark.timeout(30)

DELAY = 1.0
# A blocked loop freezes for the whole DELAY; a free one never stalls for more than a blip.
MAX_FREEZE = 0.3


# -- the tests -----------------------------------------------------------------------------


async def _greet(kata, name: str, delay: float) -> tuple[object, float]:
    """Await greet(name, delay) (a hang becomes a lesson); return what it gave and how long
    it took."""
    with Stopwatch() as watch:
        result = await finishes_within(kata.greet(name, delay), 20, f"greet({name!r}, {delay})")
    return result, watch.elapsed


def _check_greeting(result, name: str, delay: float) -> None:
    """Fail with a lesson unless greet returned the greeting itself."""
    call, expected = f"greet({name!r}, {delay})", f"Hello, {name}!"
    if isinstance(result, ray.ObjectRef):
        fail(
            f"{call} returned an ObjectRef, not the greeting",
            f"{expected!r}",
            "the task was started but its ref was never awaited: `await` the ref to get the "
            "task's result",
        )
    if result != expected:
        fail(
            f"{call} returned {result!r:.100}",
            f"{expected!r}, the greeting fetch_greeting({name!r}, {delay}) makes",
            "greet does not return the result of fetch_greeting(name, delay)",
        )


async def test_returns_the_remote_greeting(kata):
    result, _ = await _greet(kata, "Ada", 0.1)
    _check_greeting(result, "Ada", 0.1)


async def test_waits_for_the_remote_work(kata):
    result, elapsed = await _greet(kata, "Bo", DELAY)
    _check_greeting(result, "Bo", DELAY)
    if elapsed < 0.9 * DELAY:
        fail(
            f"greet('Bo', {DELAY}) returned the right greeting after {elapsed:.2f} s, before "
            f"fetch_greeting('Bo', {DELAY}) could have finished",
            f"greet returns fetch_greeting's result, so it takes at least {DELAY} s",
            [
                "the greeting was built in greet itself instead of awaiting the result of "
                "fetch_greeting.remote(name, delay)",
                "fetch_greeting was started with a shorter delay than the one greet was given",
            ],
        )


async def test_event_loop_keeps_ticking_while_waiting(kata):
    await warm_workers(1)
    async with Heartbeat() as heartbeat:
        result, _ = await _greet(kata, "Cy", DELAY)
    heartbeat.assert_never_froze(MAX_FREEZE, during=f"greet('Cy', {DELAY}) waited for Ray")
    _check_greeting(result, "Cy", DELAY)
