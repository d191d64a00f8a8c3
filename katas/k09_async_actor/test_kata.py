"""Kata 09 · Async actor: the tests your code must pass."""

import asyncio
import contextlib

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within

pytestmark = pytest.mark.timeout(30)

# The barrier: every call waits until N are in flight on the actor at once. An actor that
# serves one call at a time cannot fill it, so it breaks after BARRIER_IDLE seconds without a
# new arrival and the report says so.
N = 20
BARRIER_IDLE = 3.0
DELAY = 0.05


# Each test's probe and Fetcher are started by the fixtures below, before the test itself
# runs: on a busy machine a new actor process can take many seconds to start, and that says
# nothing about concurrency. The proofs (barrier, peak) then cost a fraction of a second.
PROBES = {
    "test_fetch_returns_the_service_reply": {},
    "test_twenty_calls_overlap_on_one_actor": {"barrier": N, "barrier_idle": BARRIER_IDLE},
}
STARTUP = 120.0


def _wait_started(probe, actor) -> None:
    """Wait (up to STARTUP s) until the probe's actor and the actor under test both answer.
    They start in parallel. An actor that fails to start shows up in the test itself."""
    # Any call on the probe answers once it is up; opening an unused gate changes nothing.
    ready = [probe.open_gate("started"), actor.__ray_ready__.remote()]
    ray.wait(ready, num_returns=len(ready), timeout=STARTUP)


@pytest.fixture
def probe(make_probe, request):
    probe = make_probe(**PROBES[request.node.originalname])
    return probe  # its actor starts now, alongside the one under test


@pytest.fixture
def fetcher(kata, probe):
    """A new Fetcher for this test, started, and killed when the test ends."""
    handle = kata.Fetcher.remote()
    _wait_started(probe, handle)
    yield handle
    with contextlib.suppress(Exception):
        ray.kill(handle)


async def _fetch_all(fetcher, service, items) -> list:
    """Send one fetch per item to the same actor, all at once, and return the replies."""
    call = f"{len(items)} calls of fetcher.fetch(service, item) on one Fetcher"
    refs = [fetcher.fetch.remote(service, item) for item in items]
    try:
        return await finishes_within(asyncio.gather(*refs), 25, call)
    except NotDoneYet:
        raise
    except Exception as error:
        reason = (str(error).strip().splitlines() or [""])[-1]
        fail(
            f"{call} raised {type(error).__name__}: {reason[:200]}",
            f"each call returns the service's reply, e.g. {answer(items[0])!r}",
            "returning `service.acall(item)` without awaiting it (a coroutine cannot be sent "
            "back to the caller), or awaiting in a method that is not `async def`",
        )


def _check_replies(replies, items, picture=None) -> None:
    expected = [answer(item) for item in items]
    if replies != expected:
        fail(
            f"the calls returned {replies!r:.200}",
            f"the service's reply for each item, in order: {expected!r:.200}",
            "fetch must return what `await service.acall(item)` gives, for the item it was "
            "called with",
            picture,
        )


async def test_fetch_returns_the_service_reply(fetcher, probe):
    items = ["ant", "bee", "cat"]
    replies = await _fetch_all(fetcher, SlowService(probe, delay=DELAY), items)
    report = await probe.areport()
    _check_replies(replies, items, report.timeline())
    served = sorted(c.label for c in report.finished(outcome="ok"))
    if served != sorted(items):
        fail(
            f"the service saw the calls {served!r}",
            f"one call per item: {sorted(items)!r}",
            "each fetch must call the service exactly once for its item",
            report.timeline(),
        )


async def test_twenty_calls_overlap_on_one_actor(fetcher, probe):
    items = [f"item {i}" for i in range(N)]
    replies = await _fetch_all(fetcher, SlowService(probe, delay=DELAY), items)
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        if report.peak <= 1:
            likely = (
                "a plain `def` method (or a blocking call inside async def) makes an actor "
                "serve one call at a time: make fetch `async def` and `await service.acall(item)`"
            )
        else:
            likely = (
                f"the actor serves at most {report.peak} calls at once: a threaded actor is "
                "capped by its max_concurrency; an `async def` method that awaits lets one "
                "actor keep every call in flight"
            )
        fail(
            f"only {report.peak} of {N} calls ran at once on the actor "
            f"(the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up)",
            f"all {N} calls in flight together on ONE Fetcher",
            likely,
            picture=report.timeline(),
        )
    _check_replies(replies, items, report.timeline())
