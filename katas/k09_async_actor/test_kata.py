"""Kata 09 · Async actor: the tests your code must pass."""

import inspect

import pytest

from dojo.harness.actors import replies_or_crash, started
from dojo.harness.sim import CALLED_OFF_A_LOOP, CALLED_ON_A_LOOP, SlowService, answer
from dojo.harness.teach import fail

pytestmark = pytest.mark.timeout(30)

# The barrier: every call waits until N are in flight on the actor at once. An actor that
# serves one call at a time cannot fill it, so it breaks after BARRIER_IDLE seconds without a
# new arrival and the report says so.
N = 20
BARRIER_IDLE = 3.0
DELAY = 0.05


# Each test's probe and Fetcher are started by the fixtures below, before the test itself
# runs (dojo/harness/actors.py says why): the proofs (barrier, peak) then cost a fraction of a
# second.
PROBES = {
    "test_fetch_returns_the_service_reply": {},
    "test_fetch_awaits_the_non_blocking_call": {},
    "test_twenty_calls_overlap_on_one_actor": {"barrier": N, "barrier_idle": BARRIER_IDLE},
}


@pytest.fixture
def probe(make_probe, request):
    return make_probe(**PROBES[request.node.originalname])  # starts alongside the Fetcher


@pytest.fixture
def fetcher(kata, probe):
    """A new Fetcher for this test, started, and killed when the test ends."""
    with started(kata.Fetcher.remote(), probe) as handle:
        yield handle


def _fetch_is_async(kata) -> bool:
    """Is the Fetcher's `fetch` an `async def`? (Read from the class, not run.)"""
    return inspect.iscoroutinefunction(getattr(kata.Fetcher, "fetch", None))


async def _fetch_all(fetcher, service, items) -> list:
    """Send one fetch per item to the same actor, all at once, and return the replies."""
    call = f"{len(items)} calls of fetcher.fetch(service, item) on one Fetcher"
    refs = [fetcher.fetch.remote(service, item) for item in items]
    replies, crash = await replies_or_crash(refs, call, "cannot pickle 'coroutine' object")
    if crash is None:
        return replies
    fail(
        f"{call} raised {crash}",
        f"each call returns the service's reply, e.g. {answer(items[0])!r}",
        "returning `service.acall(item)` without awaiting it: that is a coroutine object, "
        "which cannot be sent back to the caller. `return await service.acall(item)` returns "
        "the reply",
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


async def test_fetch_awaits_the_non_blocking_call(kata, fetcher, probe):
    items = ["ant", "bee", "cat"]
    replies = await _fetch_all(fetcher, SlowService(probe, delay=DELAY), items)
    report = await probe.areport()
    _check_replies(replies, items, report.timeline())
    if CALLED_ON_A_LOOP in report.marks or CALLED_OFF_A_LOOP in report.marks:
        if CALLED_ON_A_LOOP in report.marks:
            how = "inside `async def fetch`, on the event loop's own thread"
        elif _fetch_is_async(kata):
            how = (
                "from `async def fetch`, on a thread of its own (asyncio.to_thread or an executor)"
            )
        else:
            how = "from a plain `def` method (a sync or threaded actor)"
        fail(
            f"the service saw its BLOCKING call, service.call(item), {how}",
            "fetch is `async def` and awaits the non-blocking service.acall(item): an async "
            "actor waits for many calls on one thread, with no thread per call",
            "calling service.call(item); use `return await service.acall(item)`",
            report.timeline(),
        )
    if not _fetch_is_async(kata):
        fail(
            "fetch is a plain `def` method: it got the reply from service.acall(item), but "
            "by running that coroutine to its end on the spot (asyncio.run, or a loop of its "
            "own), so the actor waits for each call before it takes the next",
            "fetch is `async def` and awaits service.acall(item): the actor's event loop "
            "then serves many calls at once",
            "a plain `def fetch` that runs the coroutine itself; write `async def fetch` "
            "and `return await service.acall(item)`",
            report.timeline(),
        )


async def test_twenty_calls_overlap_on_one_actor(kata, fetcher, probe):
    items = [f"item {i}" for i in range(N)]
    replies = await _fetch_all(fetcher, SlowService(probe, delay=DELAY), items)
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        fail(
            f"only {report.peak} of {N} calls ran at once on the actor "
            f"(the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up)",
            f"all {N} calls in flight together on ONE Fetcher",
            _why_not_all_at_once(kata, report),
            picture=report.timeline(),
        )
    _check_replies(replies, items, report.timeline())


def _why_not_all_at_once(kata, report) -> str | list[str]:
    """What the evidence says about an actor that did not keep N calls in flight: where the
    service's blocking call ran, whether fetch is `async def`, and the peak."""
    peak = report.peak
    if CALLED_ON_A_LOOP in report.marks:
        return (
            "a blocking call inside `async def`: service.call(item) holds the event loop's only "
            "thread, so the actor serves one call at a time. `await service.acall(item)` "
            "lets the loop run the other calls while this one waits"
        )
    if not _fetch_is_async(kata):
        if peak <= 1:
            return (
                "a plain `def` method makes a sync actor, and Ray hands a sync actor one call "
                "at a time: make fetch `async def` and `await service.acall(item)`"
            )
        return (
            f"a plain `def` method in a threaded actor: its max_concurrency ({peak}) caps the "
            "calls in flight. An `async def` fetch that awaits service.acall(item) keeps "
            "every call in flight on one thread"
        )
    if CALLED_OFF_A_LOOP in report.marks:
        return (
            f"the blocking service.call(item) on a thread pool: its {peak} thread(s) cap the "
            "calls in flight. `await service.acall(item)` needs no thread at all"
        )
    if peak <= 1:
        return [
            "something blocking inside fetch besides the await (time.sleep, ray.get, a sync "
            "client): it holds the event loop's only thread",
            "the actor created with max_concurrency=1",
            "an asyncio.Lock (or Semaphore(1)) around the call",
        ]
    return [
        f"the actor created with max_concurrency={peak} (an async actor's default is 1000)",
        f"an asyncio.Semaphore({peak}) around the call",
    ]
