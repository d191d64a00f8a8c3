"""Kata 11 · Threaded actor: the tests your code must pass."""

import asyncio
import inspect

import pytest
from ray.actor import ActorClass, ActorHandle

from dojo.harness.actors import made_and_started
from dojo.harness.sim import CALLED_ASYNC, CALLED_ON_A_LOOP, SlowService, answer
from dojo.harness.teach import fail, finishes_within

pytestmark = pytest.mark.timeout(30)

# The barrier: every call waits until N are in flight on the client at once. A client that
# serves fewer at a time cannot fill it, so it breaks after BARRIER_IDLE seconds without a
# new arrival and the report says so.
N = 8
BARRIER_IDLE = 3.0
DELAY = 0.05


# Each test's probe and client are started by the fixtures below, before the test itself
# runs (dojo/harness/actors.py says why): the proofs (barrier, peak) then cost a fraction of a
# second.
PROBES = {
    "test_fetch_returns_the_service_reply": {},
    "test_eight_calls_overlap_on_one_client": {"barrier": N, "barrier_idle": BARRIER_IDLE},
}


@pytest.fixture
def probe(make_probe, request):
    return make_probe(**PROBES[request.node.originalname])  # starts alongside the client


@pytest.fixture
def made(kata, probe):
    """What make_client() gave for this test (its actor started), or the error it raised,
    which `_client` raises again inside the test. The actor is killed when the test ends."""
    with made_and_started(probe, kata.make_client) as made:
        yield made


def _client(made) -> ActorHandle:
    client = made.get()  # raises again what make_client() raised
    if isinstance(client, ActorHandle):
        return client
    if isinstance(client, ActorClass):
        likely = (
            "returning the class instead of an actor: create one with LegacyClient.remote() "
            "(or LegacyClient.options(...).remote()) and return what that gives you"
        )
    elif client is None:
        likely = "a missing `return`: make_client must return the handle it creates"
    else:
        likely = (
            "make_client must return what LegacyClient.remote() (or "
            "LegacyClient.options(...).remote()) gives: the handle of one new actor"
        )
    fail(
        f"make_client() returned {type(client).__name__} {client!r:.80}",
        "the handle of a new LegacyClient actor",
        likely,
    )


def _fetch_is_async(kata) -> bool:
    """Is LegacyClient's `fetch` an `async def`? (Read from the class, not run.)"""
    return inspect.iscoroutinefunction(getattr(kata.LegacyClient, "fetch", None))


async def _fetch_all(client, service, items) -> list:
    """Send one fetch per item to the same client, all at once, and return the replies. (An
    error raised by fetch is reported by the dojo, with the line of yours that raised it.)"""
    call = f"{len(items)} calls of client.fetch(service, item) on one LegacyClient"
    refs = [client.fetch.remote(service, item) for item in items]
    return await finishes_within(asyncio.gather(*refs), 25, call)


def _check_replies(replies, items, picture=None) -> None:
    expected = [answer(item) for item in items]
    if replies == expected:
        return
    if all(reply is None for reply in replies):
        likely = "a missing `return`: fetch must return what service.call(item) gives"
    else:
        likely = "fetch must return what service.call(item) gives, for the item it was called with"
    fail(
        f"the calls returned {replies!r:.200}",
        f"the service's reply for each item, in order: {expected!r:.200}",
        likely,
        picture,
    )


async def test_fetch_returns_the_service_reply(kata, made, probe):
    items = ["ant", "bee", "cat"]
    client = _client(made)
    replies = await _fetch_all(client, SlowService(probe, delay=DELAY), items)
    report = await probe.areport()
    _check_replies(replies, items, report.timeline())
    awaited = CALLED_ASYNC in report.marks
    if _fetch_is_async(kata):
        happened = "fetch is `async def`: LegacyClient is an async actor, not a threaded one"
        if awaited:
            happened += ", and fetch used the non-blocking service.acall(item)"
    elif awaited:
        happened = "fetch ran the non-blocking service.acall(item) on an event loop of its own"
    else:
        return
    fail(
        happened,
        "a plain `def` fetch that makes the blocking service.call(item), in an actor with "
        "max_concurrency: the library of this kata is sync all the way down",
        "using asyncio in fetch: write `def fetch(self, service, item): return "
        "service.call(item)` and let Ray's threads serve the calls at once",
        report.timeline(),
    )


async def test_eight_calls_overlap_on_one_client(kata, made, probe):
    items = [f"item {i}" for i in range(N)]
    client = _client(made)
    replies = await _fetch_all(client, SlowService(probe, delay=DELAY), items)
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        peak = report.peak
        if CALLED_ON_A_LOOP in report.marks:
            likely = (
                "`async def fetch` calling the blocking service.call(item): it holds the "
                "event loop's only thread, one call at a time. Make fetch a plain `def` and "
                f"give the actor max_concurrency={N}"
            )
        elif _fetch_is_async(kata):
            likely = (
                f"`async def fetch` serving {peak} at a time (a thread pool or a semaphore): "
                f"make fetch a plain `def` and give the actor max_concurrency={N}"
            )
        elif peak <= 1:
            likely = [
                "a sync actor runs one call at a time unless you give it max_concurrency: "
                f"@ray.remote(..., max_concurrency={N}) or LegacyClient.options(max_concurrency"
                f"={N}).remote()",
                "a lock (threading.Lock) held around the call: the actor's threads then take "
                "turns at it",
            ]
        else:
            likely = (
                f"max_concurrency is {peak}, so only {peak} threads serve calls and the rest "
                f"wait for a free one: the client must serve {N} at once"
            )
        fail(
            f"only {peak} of {N} calls ran at once on the client "
            f"(the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up)",
            f"all {N} calls in flight together on ONE LegacyClient",
            likely,
            picture=report.timeline(),
        )
    _check_replies(replies, items, report.timeline())
