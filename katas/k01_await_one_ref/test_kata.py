"""Kata 01 · Await one ref: the tests your code must pass."""

import secrets
import time

import pytest
import ray

from dojo.harness.heartbeat import Heartbeat
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch, warm_workers

pytestmark = pytest.mark.timeout(30)

DELAY = 0.5
# A blocked loop freezes for the whole DELAY. Caught inside a blocking call (ray.get,
# ray.wait, time.sleep), a freeze this long is enough: correct code never makes one on the
# loop. (Any other freeze fails past the heartbeat's FREEZE_LIMIT: a busy machine's.)
CAUGHT_FREEZE = 0.2


# -- the tests -----------------------------------------------------------------------------


@pytest.fixture
def swapped(kata, monkeypatch):
    """Swap the module's fetch_greeting, for this test only, for a Ray task of the test's own
    that waits `delay` seconds like the given one but signs its greeting with a random token.
    greet looks fetch_greeting up when it runs, so it starts this one; only by returning that
    task's result can it return the signed greeting."""
    token = secrets.token_hex(4)

    def signed(name: str) -> str:
        return f"Hello, {name}! (signed {token} by the test's fetch_greeting)"

    @ray.remote(num_cpus=0)
    def fetch_greeting(name: str, delay: float) -> str:
        time.sleep(delay)
        return signed(name)

    monkeypatch.setattr(kata, "fetch_greeting", fetch_greeting)
    return signed


async def _greet(kata, name: str, delay: float) -> tuple[object, float]:
    """Await greet(name, delay) (a hang becomes a lesson); return what it gave and how long
    it took."""
    with Stopwatch() as watch:
        result = await finishes_within(kata.greet(name, delay), 20, f"greet({name!r}, {delay})")
    return result, watch.elapsed


def _check_greeting(result, name: str, delay: float, expected: str) -> None:
    """Fail with a lesson unless greet returned the greeting the swapped-in fetch_greeting
    made (`expected`)."""
    call = f"greet({name!r}, {delay})"
    note = (
        f"this test swapped in its own fetch_greeting, which waits {delay} s like the given one "
        f"but returns {expected!r}"
    )
    if isinstance(result, ray.ObjectRef):
        fail(
            f"{call} returned an ObjectRef, not the greeting",
            f"the task's result, the greeting itself ({note})",
            "the task was started but its ref was never awaited: `await` the ref to get the "
            "task's result",
        )
    if result == f"Hello, {name}!":
        fail(
            f"{call} returned {result!r}, the plain greeting, but {note}",
            f"{expected!r}: greet returns whatever fetch_greeting's task returns",
            "the greeting was built in greet itself, not taken from fetch_greeting's result: "
            "return what awaiting fetch_greeting.remote(name, delay) gives",
        )
    if result != expected:
        fail(
            f"{call} returned {result!r:.100}; {note}",
            f"{expected!r}, the result of fetch_greeting.remote({name!r}, {delay}) unchanged",
            "greet does not return the result of fetch_greeting.remote(name, delay) as it is",
        )


async def test_returns_the_remote_greeting(kata, swapped):
    result, _ = await _greet(kata, "Ada", 0.1)
    _check_greeting(result, "Ada", 0.1, swapped("Ada"))


async def test_waits_for_the_remote_work(kata, swapped):
    result, elapsed = await _greet(kata, "Bo", DELAY)
    _check_greeting(result, "Bo", DELAY, swapped("Bo"))
    if elapsed < 0.9 * DELAY:
        fail(
            f"greet('Bo', {DELAY}) returned the right greeting after {elapsed:.2f} s, before "
            f"fetch_greeting('Bo', {DELAY}) could have finished",
            f"greet returns fetch_greeting's result, so it takes at least {DELAY} s",
            "fetch_greeting was started with a shorter delay than the one greet was given: "
            "pass greet's own `delay` on to fetch_greeting.remote(name, delay)",
        )


async def test_event_loop_keeps_ticking_while_waiting(kata, swapped):
    await warm_workers(1)
    async with Heartbeat() as heartbeat:
        result, _ = await _greet(kata, "Cy", DELAY)
    during = f"greet('Cy', {DELAY}) waited for Ray"
    heartbeat.assert_loop_stayed_free(during, caught_limit=CAUGHT_FREEZE)
    _check_greeting(result, "Cy", DELAY, swapped("Cy"))
