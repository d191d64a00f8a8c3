"""Kata 04 · As they complete: the tests your code must pass."""

import asyncio
import itertools

import pytest
import ray

from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import warm_workers

pytestmark = pytest.mark.timeout(30)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

ITEMS = ["ant", "bee", "cat", "dog", "eel"]

# Every call waits at its own gate. The test opens the first gate itself; each result handed
# to handle() opens the gate of the next call in FORCED_ORDER (the reverse of submission, so
# the first item submitted is the last allowed to finish). A gate nobody opens gives up after
# GATE_TIMEOUT seconds and the probe records "timeout" instead of "signal". Every gate's
# clock starts when its call arrives, so the whole chain of four hand-offs (result to the
# driver, handle(), open the next gate) must fit in it: on two cores busy with other work each
# hand-off can take a second or more (4 s flaked once under a flake hunt). A wrong answer pays
# this wait once; a right one never does.
FORCED_ORDER = list(reversed(ITEMS))
GATE_TIMEOUT = 10.0

# A blocked loop freezes for the whole DELAY; a free one never stalls for more than a blip.
DELAY = 0.8
MAX_FREEZE = 0.4

_ITEM_OF = {answer(item): item for item in ITEMS}


@ray.remote(num_cpus=0)
def _warm_up(service):
    return service.call("warm-up")


async def _warm_together(make_probe, n: int) -> None:
    """Make sure n worker processes exist right now, so no call of the gated chain waits for
    a process to start. dojo's warm_workers(n) holds each task a fixed 0.2 s, and Ray starts
    processes about two at a time, so fewer than n may exist; a barrier needs n at once."""
    probe = make_probe(barrier=n, barrier_idle=2.0)
    await asyncio.gather(*[_warm_up.remote(SlowService(probe, delay=0.0)) for _ in range(n)])


def _gate(item: str) -> str:
    return f"gate {item}"


def _check_handled(handled: list, items: list, call: str) -> None:
    """Fail with a lesson unless handle() got every result exactly once, as plain values."""
    expected = sorted(answer(item) for item in items)
    if any(isinstance(result, ray.ObjectRef) for result in handled):
        fail(
            "handle() was called with ObjectRefs, not results",
            f"handle(result) with the results themselves, e.g. {answer(items[0])!r}",
            "passing the ref to handle instead of awaiting it first",
        )
    if sorted(handled, key=repr) != sorted(expected, key=repr):
        missing = [r for r in expected if r not in handled]
        if missing and len(handled) < len(items):
            fail(
                f"{call} returned after handling {len(handled)} of {len(items)} results "
                f"(not handled: {missing!r})",
                "it returns only once every result has been handled",
                "returning before the loop over the results was finished, or handling "
                "only the first result (e.g. one asyncio.wait round)",
            )
        fail(
            f"handle() got {handled!r}",
            f"each of {expected!r} exactly once",
            "a result handled twice, or results that do not come from lookup(service, item)",
        )


async def test_every_result_is_handled_once_before_returning(kata, make_probe):
    probe = make_probe()
    service = SlowService(probe, delay=0.05)
    handled = []
    call = f"handle_as_completed(service, {ITEMS!r}, handle)"
    returned = await finishes_within(
        kata.handle_as_completed(service, ITEMS, handled.append), CALL_LIMIT, call
    )
    _check_handled(list(handled), ITEMS, call)
    if returned is not None:
        fail(
            f"{call} returned {returned!r:.100}",
            "None: the results go to handle(), not back to the caller",
            "returning the results (or refs) as well as handing them to handle()",
        )


async def test_each_result_is_handled_as_soon_as_it_is_ready(kata, make_probe):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    service = SlowService(probe, delay=0.0, gates={item: _gate(item) for item in ITEMS})
    handled = []

    def handle(result):
        handled.append(result)
        item = _ITEM_OF.get(result) if isinstance(result, str) else None
        if item is not None and item != FORCED_ORDER[-1]:
            # Fire-and-forget: let the next call in the forced order finish.
            probe.open_gate(_gate(FORCED_ORDER[FORCED_ORDER.index(item) + 1]))

    await _warm_together(make_probe, len(ITEMS))
    await probe.open_gate(_gate(FORCED_ORDER[0]))
    call = f"handle_as_completed(service, {ITEMS!r}, handle)"
    await finishes_within(kata.handle_as_completed(service, ITEMS, handle), CALL_LIMIT, call)
    _check_handled(list(handled), ITEMS, call)
    report = await probe.areport()
    timed_out = [
        (before, item)
        for before, item in itertools.pairwise(FORCED_ORDER)
        if report.gates.get(_gate(item)) != "signal"
    ]
    if timed_out:
        before, item = timed_out[0]
        if len(timed_out) == len(ITEMS) - 1:
            happened = (
                f"the call for {before!r} was let through at once, but its result was not "
                "handled until every call had finished: no result reached handle() before "
                f"the other calls gave up waiting ({GATE_TIMEOUT:.0f} s), so the fast results "
                "waited for the slowest one"
            )
        else:
            happened = (
                f"the result for {before!r} was ready, but it was not handled until the call "
                f"for {item!r} had given up waiting for it ({GATE_TIMEOUT:.0f} s)"
            )
        fail(
            happened,
            "each result handled as soon as it is ready, so fast results are handled before "
            f"the slowest call finishes (the test lets the calls finish in the order "
            f"{FORCED_ORDER!r}, each only after the previous result was handled)",
            "did you gather everything and then loop? Handle each result as it completes "
            "(asyncio.as_completed, or asyncio.wait with FIRST_COMPLETED)",
            picture=report.timeline(),
        )
    order = [_ITEM_OF[result] for result in handled]
    if order != FORCED_ORDER:
        fail(
            f"results were handled in the order {order!r}",
            f"the order in which they finished: {FORCED_ORDER!r}",
            "handling results in the order of items rather than the order they complete",
            picture=report.timeline(),
        )


async def test_event_loop_stays_responsive(kata, make_probe):
    items = ITEMS[:3]
    probe = make_probe()
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(items))
    call = f"handle_as_completed(service, {items!r}, handle)"
    handled = []
    async with Heartbeat() as heartbeat:
        await finishes_within(
            kata.handle_as_completed(service, items, handled.append), CALL_LIMIT, call
        )
    heartbeat.assert_never_froze(
        MAX_FREEZE, during=f"handle_as_completed waited for {len(items)} calls of {DELAY} s"
    )
