"""Kata 02 · Gather many: the tests your code must pass."""

import asyncio

import pytest
import ray

from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch, assert_well_under_sequential, warm_workers

pytestmark = pytest.mark.timeout(30)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

# Later items get SHORTER delays, so the calls finish in the reverse of the order they
# were started in: only code that keeps the order of `items` lines the results up.
ORDER_ITEMS = ["ant", "bee", "cat", "dog", "eel"]
ORDER_STEP = 0.15

# The barrier: every call waits until all N are in flight. One-at-a-time code cannot fill it,
# so it breaks after BARRIER_IDLE seconds without a new arrival and the report says so.
N = 8
BARRIER_IDLE = 4.0

# A blocked loop freezes for the whole DELAY; a free one never stalls for more than a blip.
DELAY = 0.8
MAX_FREEZE = 0.4

# The clock is only a second check, with a generous bound: at most 60 % of the sequential cost.
TIMED_DELAY = 0.5


@ray.remote(num_cpus=0)
def _warm_up(service):
    return service.call("warm-up")


async def _warm_together(make_probe, n: int) -> None:
    """Make sure n worker processes exist right now. dojo's warm_workers(n) holds each task
    for a fixed 0.2 s, and Ray starts processes about two at a time, so early ones get reused
    and fewer than n may exist; holding the tasks at a barrier needs n at once."""
    probe = make_probe(barrier=n, barrier_idle=2.0)
    await asyncio.gather(*[_warm_up.remote(SlowService(probe, delay=0.0)) for _ in range(n)])


def _check_values(result, items) -> list:
    """Fail with a lesson if the result is not a list of plain values, one per item."""
    call = f"lookup_all(service, {items!r})"
    if not isinstance(result, list | tuple):
        fail(
            f"{call} returned {type(result).__name__} {result!r:.80}",
            f"a list of {len(items)} results",
            "returning before awaiting the refs (or returning the gather call un-awaited)",
        )
    if any(isinstance(value, ray.ObjectRef) for value in result):
        fail(
            f"{call} returned ObjectRefs, not results",
            f"the results themselves: {[answer(i) for i in items]!r}",
            "the tasks were started but their refs were never awaited",
        )
    if len(result) != len(items):
        fail(
            f"{call} returned {len(result)} results for {len(items)} items",
            "exactly one result per item",
            "a task started twice or not at all for some item",
        )
    return list(result)


async def test_results_in_the_order_of_items_not_of_completion(kata, make_probe):
    items = ORDER_ITEMS
    probe = make_probe()
    delays = {item: ORDER_STEP * (len(items) - 1 - i) for i, item in enumerate(items)}
    service = SlowService(probe, delays=delays)
    result = await finishes_within(
        kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {items!r})"
    )
    result = _check_values(result, items)
    expected = [answer(item) for item in items]
    if result == expected:
        return
    report = await probe.areport()
    finished = [c.label for c in sorted(report.finished(), key=lambda c: c.end)]
    if sorted(result) == sorted(expected):
        in_completion_order = result == [answer(label) for label in finished]
        fail(
            f"the results came back as {result!r}"
            + (", the order in which the calls FINISHED" if in_completion_order else ""),
            f"the order of items (the order you started them in): {expected!r}",
            "collecting results as they complete (as_completed, append in a callback) without "
            "putting each one back in its item's place; asyncio.gather keeps the order",
            picture=report.timeline(),
        )
    fail(
        f"lookup_all returned {result!r}",
        f"{expected!r}",
        "the results do not come from lookup(service, item) for each item",
        picture=report.timeline(),
    )


async def test_all_calls_in_flight_at_once(kata, make_probe):
    items = [f"item {i}" for i in range(N)]
    probe = make_probe(barrier=N, barrier_idle=BARRIER_IDLE)
    service = SlowService(probe, delay=0.05)
    await warm_workers(N)
    await finishes_within(
        kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {N} items)"
    )
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        if report.peak <= 1:
            likely = (
                "they ran one after another: did you await each ref inside the loop that "
                "starts them? Start them all first, then await them together"
            )
        else:
            likely = (
                "some calls started only after others had finished: start every task before "
                "awaiting any of them"
            )
        fail(
            f"only {report.peak} of {N} calls were in flight at once "
            f"(the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up)",
            f"all {N} calls in flight together",
            likely,
            picture=report.timeline(),
        )


async def test_event_loop_stays_responsive(kata, make_probe):
    items = ["a", "b", "c", "d"]
    probe = make_probe()
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(items))
    async with Heartbeat() as heartbeat:
        await finishes_within(
            kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {items!r})"
        )
    heartbeat.assert_never_froze(
        MAX_FREEZE, during=f"lookup_all waited for {len(items)} calls of {DELAY} s"
    )


async def test_batch_takes_well_under_sequential_time(kata, make_probe):
    items = [f"item {i}" for i in range(N)]
    probe = make_probe()
    service = SlowService(probe, delay=TIMED_DELAY)
    await _warm_together(make_probe, N)
    with Stopwatch() as watch:
        await finishes_within(
            kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {N} items)"
        )
    report = await probe.areport()
    assert_well_under_sequential(
        watch.elapsed, N, TIMED_DELAY, picture=report.timeline(), peak=report.peak
    )
