"""Kata 02 · Gather many: the tests your code must pass."""

import asyncio
import time

import pytest
import ray

from dojo.harness.handoffs import QUIET, watch_handoffs
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within, were
from dojo.harness.timing import warm_workers
from dojo.harness.waiting import wait_until

# pytest's own limit, above the warm-up (12 s at most), CALL_LIMIT and the barrier's wait for
# calls Ray is still starting: a busy machine gets the kata's lesson, not a bare timeout.
pytestmark = pytest.mark.timeout(45)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

# Every call waits at its own gate; once all are in flight the test opens the gates in the
# reverse of the order the calls were started in, each once the call before has finished
# (and SETTLE s more, for its result to reach your code). So the calls finish in the reverse
# of `items` whatever the machine's load: only code that keeps the order lines them up. A
# call not started at once (another test says so: code that starts no other while the ones it
# started wait, or no arrival for ARRIVAL_IDLE s; once your code has handed every call to Ray,
# the ones still starting get longer, see dojo/harness/handoffs.py) finds its gate open when it
# comes.
ORDER_ITEMS = ["ant", "bee", "cat", "dog", "eel"]
ARRIVAL_IDLE = 4.0
SETTLE = 0.2

# The barrier: every call waits until all N are in flight. One-at-a-time code cannot fill it:
# it breaks once your code, with every call it started held there, starts no other for a
# second (dojo/harness/handoffs.py), or after BARRIER_IDLE seconds without a new arrival.
N = 8
BARRIER_IDLE = 4.0

# A blocked loop freezes for the whole DELAY: caught inside a blocking call (ray.get,
# ray.wait, ...), a freeze past CAUGHT_FREEZE fails; any other past the heartbeat's FREEZE_LIMIT.
DELAY = 0.8
CAUGHT_FREEZE = 0.4


# -- the tests -----------------------------------------------------------------------------


class _AwaitedRefs(list):
    """What lookup_all returned: refs that had all finished the moment it returned."""


async def _lookup_all(kata, service, items):
    """lookup_all's result. Every call here is held (barrier, gates, delay) until the test
    lets it go, which it does only after this returns or stalls: refs that have all finished
    the moment lookup_all returns were awaited by it (checked now, before the test moves)."""
    result = await kata.lookup_all(service, items)
    if isinstance(result, list) and result:
        if all(isinstance(value, ray.ObjectRef) for value in result):
            finished, _ = ray.wait(result, num_returns=len(result), timeout=0)
            if len(finished) == len(result):
                return _AwaitedRefs(result)
    return result


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
            "the refs were awaited, but the list returned holds the refs, not what the await "
            "gave back: return the results of `await asyncio.gather(*refs)`"
            if isinstance(result, _AwaitedRefs)
            else "the tasks were started but their refs were never awaited",
        )
    if len(result) != len(items):
        fail(
            f"{call} returned {len(result)} results for {len(items)} items",
            "exactly one result per item",
            [
                "a task started twice for some item, or not at all",
                "results dropped or added after they were awaited",
            ],
        )
    return list(result)


async def _finish_in_reverse(probe, items, calls, handoffs) -> None:
    """Open the calls' gates last item first, each once the one before has finished. A call
    that has not arrived (code that starts them one by one) finds its gate open."""
    arrived, last = 0, time.monotonic()
    while not calls.done() and arrived < len(items):
        if time.monotonic() - last > handoffs.arrival_patience(ARRIVAL_IDLE) or handoffs.stalled:
            break
        await asyncio.sleep(0.02)
        now = len((await probe.areport()).calls)
        if now != arrived:
            arrived, last = now, time.monotonic()
    here = {c.label for c in (await probe.areport()).calls}
    for item in reversed(items):
        await probe.open_gate(_gate(item))
        if item not in here:
            continue

        async def finished(item=item):
            return calls.done() or (await probe.areport()).finished(label=item)

        await wait_until(finished, within=CALL_LIMIT)
        await asyncio.sleep(SETTLE)


def _gate(item: str) -> str:
    return f"gate {item}"


async def test_all_calls_in_flight_at_once(kata, make_probe):
    items = [f"item {i}" for i in range(N)]
    probe = make_probe(barrier=N, barrier_idle=BARRIER_IDLE)
    service = SlowService(probe, delay=0.05)
    await warm_workers(N)
    async with (
        Heartbeat() as heartbeat,
        watch_handoffs(kata, "lookup", probe, want=N) as handoffs,
    ):
        result = await finishes_within(
            _lookup_all(kata, service, items), CALL_LIMIT, f"lookup_all(service, {N} items)"
        )
    _check_values(result, items)
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        # Calls waited at the barrier while the loop was frozen: the blocking call is why.
        heartbeat.fail_if_caught_blocking(
            CAUGHT_FREEZE,
            during=f"only {report.peak} of {N} calls {were(report.peak)} in flight at once",
            known_call_only=True,
        )
        if handoffs.stalled:
            # Seen, not guessed: it had started only these, and started no more while they
            # were held at the barrier.
            waited = (
                f"your code had started {report.peak} and started no other while "
                f"{'it was' if report.peak == 1 else 'they were'} held for {QUIET:g} s"
            )
        else:
            waited = f"the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up"
        if report.peak <= 1:
            likely = (
                "waiting for each call before starting the next (an `await` inside the loop "
                "that starts them): they ran one after another. Start them all first, then "
                "await them together"
            )
        else:
            likely = [
                "starting the calls in batches and awaiting each batch before starting the next",
                "a limit on how many run at once (a semaphore, a pool of workers)",
            ]
        fail(
            f"only {report.peak} of {N} calls {were(report.peak)} in flight at once ({waited})",
            f"all {N} calls in flight together",
            likely,
            picture=report.timeline(),
        )


async def test_results_in_the_order_of_items_not_of_completion(kata, make_probe):
    items = ORDER_ITEMS
    probe = make_probe(gate_timeout=CALL_LIMIT)
    service = SlowService(probe, delay=0.0, gates={item: _gate(item) for item in items})
    await warm_workers(len(items))  # so the calls arrive together, not a worker start apart

    def open_every_gate() -> None:
        # Code that blocks the loop freezes the test's side too (another test names that
        # mistake): let its calls finish instead of waiting out the gates' time limit.
        for item in items:
            probe.open_gate(_gate(item))

    async with (
        Heartbeat(on_stall=open_every_gate),
        watch_handoffs(kata, "lookup", probe, len(items), break_barrier=False) as handoffs,
    ):
        calls = asyncio.ensure_future(
            finishes_within(
                _lookup_all(kata, service, items), CALL_LIMIT, f"lookup_all(service, {items!r})"
            )
        )
        await _finish_in_reverse(probe, items, calls, handoffs)
        result = await calls
    result = _check_values(result, items)
    expected = [answer(item) for item in items]
    if result == expected:
        return
    report = await probe.areport()
    finished = [c.label for c in sorted(report.finished(), key=lambda c: c.end)]
    if sorted(result, key=repr) != sorted(expected, key=repr):
        fail(
            f"lookup_all returned {result!r}",
            f"{expected!r}",
            "the results do not come from lookup(service, item) for each item",
            picture=report.timeline(),
        )
    as_completed = (
        "collecting results in the order the calls finished (asyncio.as_completed, appending in "
        "a callback) without putting each one back in its item's place; asyncio.gather keeps "
        "the order"
    )
    if result == [answer(label) for label in finished]:
        fail(
            f"the results came back as {result!r}, the order in which the calls finished",
            f"the order of items (the order you started them in): {expected!r}",
            as_completed,
            picture=report.timeline(),
        )
    fail(
        f"the results came back as {result!r}: every one is there, but not in the order of items",
        f"the order of items: {expected!r}",
        [
            as_completed,
            "results sorted, or kept in a set or a dict keyed by something else than the item",
            "each result put in another item's place",
        ],
        picture=report.timeline(),
    )


async def test_event_loop_stays_responsive(kata, make_probe):
    items = ["a", "b", "c", "d"]
    probe = make_probe()
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(items))
    async with Heartbeat() as heartbeat:
        result = await finishes_within(
            _lookup_all(kata, service, items), CALL_LIMIT, f"lookup_all(service, {items!r})"
        )
    heartbeat.assert_loop_stayed_free(
        f"lookup_all waited for {len(items)} calls of {DELAY} s", caught_limit=CAUGHT_FREEZE
    )
    _check_values(result, items)
