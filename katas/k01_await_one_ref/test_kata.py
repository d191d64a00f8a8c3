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


async def test_returns_the_remote_greeting(kata):
    result = await finishes_within(kata.greet("Ada", 0.1), 20, "greet('Ada', 0.1)")
    if isinstance(result, ray.ObjectRef):
        fail(
            "greet('Ada') returned an ObjectRef, not the greeting",
            "'Hello, Ada!'",
            "the task was started but its ref was never awaited",
        )
    assert result == "Hello, Ada!", f"greet('Ada') returned {result!r}; expected 'Hello, Ada!'"


async def test_waits_for_the_remote_work(kata):
    await warm_workers(1)
    with Stopwatch() as watch:
        await finishes_within(kata.greet("Bo", DELAY), 20, f"greet('Bo', {DELAY})")
    if watch.elapsed < 0.9 * DELAY:
        fail(
            f"greet('Bo', {DELAY}) returned after {watch.elapsed:.2f} s",
            f"it waits for fetch_greeting, which takes {DELAY} s",
            "the greeting was made locally instead of coming from the Ray task",
        )


async def test_event_loop_keeps_ticking_while_waiting(kata):
    await warm_workers(1)
    async with Heartbeat() as heartbeat:
        await finishes_within(kata.greet("Cy", DELAY), 20, f"greet('Cy', {DELAY})")
    heartbeat.assert_never_froze(MAX_FREEZE, during=f"greet('Cy', {DELAY}) waited for Ray")
