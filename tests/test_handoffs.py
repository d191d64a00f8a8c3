"""dojo/harness/handoffs.py: when the code under test stalls with calls held, and when not.

No Ray here: a stand-in remote function and a stand-in probe whose arrivals the test sets.
"""

import asyncio
import time
import types

import pytest

from dojo.harness import handoffs
from dojo.harness.handoffs import watch_handoffs

QUIET = 0.2  # the tests' own quiet period, so each takes well under a second


@pytest.fixture(autouse=True)
def short_quiet(monkeypatch):
    monkeypatch.setattr(handoffs, "QUIET", QUIET)


def cpus(monkeypatch, free: bool) -> None:
    """Stand in for the cluster: a CPU is free, or every one is taken."""

    async def a_cpu_is_free() -> bool:
        return free

    monkeypatch.setattr(handoffs, "_a_cpu_is_free", a_cpu_is_free)


@pytest.fixture(autouse=True)
def a_cpu_free(monkeypatch):
    cpus(monkeypatch, free=True)


class FakeRemote:
    def __init__(self):
        self.calls = []

    def remote(self, *args):
        self.calls.append(args)
        return f"ref {len(self.calls)}"

    def options(self, **_):
        """Like Ray's: a new object whose `.remote()` calls the same function."""
        return types.SimpleNamespace(remote=self.remote)


class FakeProbe:
    def __init__(self):
        self.arrived = 0
        self.broken = 0
        self.holds = 0

    async def areport(self):
        return types.SimpleNamespace(calls=[object()] * self.arrived)

    async def break_barrier(self):
        self.broken += 1

    async def hold_barrier(self):
        self.holds += 1


def kata_module():
    return types.SimpleNamespace(lookup=FakeRemote())


async def test_one_call_held_and_no_other_started_is_a_stall():
    kata, probe = kata_module(), FakeProbe()
    original = kata.lookup
    async with watch_handoffs(kata, "lookup", probe, want=4) as watch:
        assert kata.lookup.remote("a") == "ref 1"
        probe.arrived = 1
        await asyncio.sleep(QUIET + 0.3)
    assert watch.stalled and probe.broken == 1
    assert kata.lookup is original and original.calls == [("a",)]


async def test_every_call_started_is_never_a_stall():
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=3) as watch:
        for item in "abc":
            kata.lookup.remote(item)
        probe.arrived = 1  # the rest still on their way: a slow machine, not a stall
        await asyncio.sleep(QUIET * 2.5)
    assert not watch.stalled and probe.broken == 0


async def test_calls_started_but_not_arrived_are_not_a_stall():
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=4, break_barrier=False) as watch:
        kata.lookup.remote("a")
        kata.lookup.remote("b")
        probe.arrived = 1
        await asyncio.sleep(QUIET * 2.5)
    assert not watch.stalled


async def test_calls_it_cannot_count_are_left_to_the_barrier():
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=4) as watch:
        kata.lookup.remote("a")
        probe.arrived = 2  # one more arrived than it saw handed over: a call it cannot count
        await asyncio.sleep(QUIET * 2.5)
    assert not watch.stalled and probe.broken == 0


async def test_calls_made_through_options_are_counted():
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=3) as watch:
        chosen = kata.lookup.options(num_cpus=0)  # kept, as an answer may keep it
        for item in "abc":
            chosen.remote(item)
        probe.arrived = 2  # all handed over, the 3rd still on its way: no stall, a hold
        await asyncio.sleep(QUIET * 2.5)
    assert watch.handed_over == 3 and not watch.stalled and probe.broken == 0
    assert probe.holds >= 1


async def test_a_blocked_loop_is_no_evidence(monkeypatch):
    monkeypatch.setattr(handoffs, "MAX_TICK_GAP", 0.1)
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=4) as watch:
        kata.lookup.remote("a")
        probe.arrived = 1
        for _ in range(4):
            time.sleep(0.15)  # noqa: ASYNC251 (the point: a loop that is not free)  # the loop is not free: no quiet counts
            await asyncio.sleep(0)
        assert not watch.stalled


def _start_all_but_one_arrives(kata, probe) -> None:
    """The code starts all 3 calls; 2 have reached the probe, the 3rd is on its way."""
    for item in "abc":
        kata.lookup.remote(item)
    probe.arrived = 2


async def test_every_call_started_and_some_on_their_way_holds_the_barrier(monkeypatch):
    """The code started all of them: the missing ones wait for a worker, not for the code
    (a CI run saw the 8th of 8 arrive more than the barrier's 4 s after the 7th)."""
    monkeypatch.setattr(handoffs, "HOLD_EVERY", 0.1)
    monkeypatch.setattr(handoffs, "HOLD_LIMIT", 0.6)
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=3):
        _start_all_but_one_arrives(kata, probe)
        await asyncio.sleep(0.45)
        held_early = probe.holds
        await asyncio.sleep(0.8)  # past HOLD_LIMIT: the barrier's own limit decides again
        held_late = probe.holds - held_early
        await asyncio.sleep(0.3)
        assert probe.holds - held_early == held_late, "still held after HOLD_LIMIT"
    assert held_early >= 2 and probe.broken == 0


async def test_calls_waiting_for_a_cpu_do_not_hold_the_barrier(monkeypatch):
    """Each call asks for a CPU and the ones in flight hold them all (kata 03's mistake): the
    rest would never arrive, so the barrier keeps its own limit."""
    monkeypatch.setattr(handoffs, "HOLD_EVERY", 0.1)
    cpus(monkeypatch, free=False)
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=3):
        _start_all_but_one_arrives(kata, probe)
        await asyncio.sleep(0.5)
    assert probe.holds == 0


async def test_fewer_calls_started_never_hold_the_barrier(monkeypatch):
    monkeypatch.setattr(handoffs, "HOLD_EVERY", 0.1)
    kata, probe = kata_module(), FakeProbe()
    async with watch_handoffs(kata, "lookup", probe, want=3, break_barrier=False):
        kata.lookup.remote("a")
        kata.lookup.remote("b")
        probe.arrived = 1
        await asyncio.sleep(0.5)
    assert probe.holds == 0


def test_arrivals_get_longer_once_every_call_was_handed_over():
    watch = handoffs.HandoffWatch(want=3)
    watch.handed_over = 2  # the code still has a call to start: the test's own idle limit
    assert watch.arrival_patience(4.0) == 4.0
    watch.handed_over = 3  # all handed to Ray: the rest is Ray starting them
    assert watch.arrival_patience(4.0) == handoffs.HOLD_LIMIT > 4.0
