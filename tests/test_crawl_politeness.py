"""`dojo crawl --per-host N`: OriginSlots, the gate that lets up to N requests be in flight to
one origin with their starts `delay` apart (dojo/crawl/politeness.py), held to its rules in
one event loop; the crawler's use of it over real HTTP is in tests/test_real_crawl.py."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from dojo.crawl.politeness import GateClosed, OriginGate, OriginSlots, gate_for

ORIGIN = "http://docs.example.test"
DELAY = 10.0  # long: the times the gate hands out are far apart, however slow this machine


async def _enter_soon(gate: OriginSlots, holder: str, origin: str = ORIGIN) -> asyncio.Task:
    """enter() as a task of its own, once it has run as far as it can."""
    task = asyncio.ensure_future(gate.enter(origin, holder))
    for _ in range(3):  # a task that can take a free slot has it after one turn of the loop
        await asyncio.sleep(0)
    return task


async def test_at_most_n_in_flight_and_their_starts_delay_apart():
    gate = OriginSlots(DELAY, per_origin=3)
    before = time.time()
    starts = [await gate.enter(ORIGIN, f"lane-{i}") for i in range(3)]
    # Three slots: all three given at once, each start DELAY after the previous one.
    assert before <= starts[0] <= time.time()
    assert [b - a for a, b in itertools.pairwise(starts)] == [DELAY, DELAY]

    fourth = await _enter_soon(gate, "lane-3")
    assert not fourth.done(), "a fourth request got in while three were in flight"
    other = await gate.enter("http://other.example.test", "lane-4")
    assert other <= time.time(), "another origin waits for nobody"

    done_at = starts[0] + 1.0  # the first answer came in 1 s after it started
    await gate.leave(ORIGIN, "lane-0", done_at)
    # Its slot is free, DELAY after that answer, and DELAY after the latest start.
    assert await fourth == max(done_at, starts[2]) + DELAY


async def test_a_freed_slot_rests_delay_after_its_answer():
    gate = OriginSlots(1.0, per_origin=2)
    first = await gate.enter(ORIGIN, "a")
    second = await gate.enter(ORIGIN, "b")
    assert second == first + 1.0
    late_answer = second + 50.0  # the first slot's request took long: its answer came late
    await gate.leave(ORIGIN, "a", late_answer)
    assert await gate.enter(ORIGIN, "c") == late_answer + 1.0


async def test_one_slot_is_kata_26s_gate():
    """OriginSlots(delay, 1) keeps OriginGate's rule: one at a time, `delay` from an answer
    to the next start; and gate_for gives kata 26's own OriginGate for one slot."""
    assert type(gate_for(DELAY, 1)) is OriginGate
    assert type(gate_for(DELAY, 8)) is OriginSlots
    for gate in (OriginGate(DELAY), OriginSlots(DELAY, 1)):
        assert await gate.enter(ORIGIN, "a") <= time.time()
        second = await _enter_soon(gate, "b")
        assert not second.done(), f"{type(gate).__name__}: two requests in flight"
        answered = time.time()
        await gate.leave(ORIGIN, "a", answered)
        assert await second == answered + DELAY


async def test_a_dead_holders_slots_are_freed_and_it_gets_no_more():
    gate = OriginSlots(0.0, per_origin=2)
    await gate.enter(ORIGIN, "fetcher-0")  # two lanes of one fetcher: one name, two slots
    await gate.enter(ORIGIN, "fetcher-0")
    waiting = await _enter_soon(gate, "fetcher-1")
    refused = await _enter_soon(gate, "fetcher-0")
    assert not waiting.done() and not refused.done()

    assert await gate.release_holder("fetcher-0") == 2
    assert await waiting <= time.time()
    with pytest.raises(GateClosed):
        await refused
    await gate.leave(ORIGIN, "fetcher-0", time.time())  # a late leave of the dead one: ignored
    assert await gate.enter(ORIGIN, "fetcher-2") <= time.time()
    assert not (await _enter_soon(gate, "fetcher-3")).done(), "a late leave freed a slot"


def test_zero_slots_is_refused():
    with pytest.raises(ValueError, match="per_origin"):
        OriginSlots(1.0, per_origin=0)


async def test_an_origin_that_asks_for_a_longer_delay_gets_it_never_a_shorter_one():
    """robots.txt's Crawl-delay (`set_delay`): that origin's requests are spaced by it, the
    other origins' by the gate's own delay; an origin cannot make the crawler faster."""
    other = "http://other.example.test"
    for gate in (OriginGate(DELAY), OriginSlots(DELAY, 1), OriginSlots(DELAY, 3)):
        gate.set_delay(ORIGIN, 3 * DELAY)
        gate.set_delay(other, DELAY / 2)  # shorter than the gate's own: ignored
        for origin, spacing in ((ORIGIN, 3 * DELAY), (other, DELAY)):
            await gate.enter(origin, "a")
            answered = time.time()
            await gate.leave(origin, "a", answered)
            second = await gate.enter(origin, "b")
            # One slot: from the answer; more: from the latest start (the first, at once).
            assert answered + spacing >= second >= answered + spacing - 1.0, (
                type(gate).__name__, origin, second - answered,
            )  # fmt: skip
        gate.set_delay(ORIGIN, 0.0)  # a refetched robots.txt without Crawl-delay
        assert gate.delay_of(ORIGIN) == DELAY


async def test_free_now_says_whether_enter_would_wait():
    gate = OriginSlots(0.0, per_origin=2)
    assert gate.free_now(ORIGIN, "a")  # an origin never seen has all its slots
    await gate.enter(ORIGIN, "a")
    assert gate.free_now(ORIGIN, "b")
    await gate.enter(ORIGIN, "b")
    assert not gate.free_now(ORIGIN, "c"), "both slots are taken"
    waiting = await _enter_soon(gate, "c")
    await gate.leave(ORIGIN, "a", time.time())
    # The freed slot is the waiter's, even before it has run: enter() would queue behind it.
    assert not gate.free_now(ORIGIN, "d")
    await waiting
    await gate.release_holder("d")
    assert not gate.free_now("http://other.example.test", "d"), "a released holder gets nothing"
