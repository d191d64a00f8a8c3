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


class FakeRemote:
    def __init__(self):
        self.calls = []

    def remote(self, *args):
        self.calls.append(args)
        return f"ref {len(self.calls)}"

    def options(self, **_):
        return self


class FakeProbe:
    def __init__(self):
        self.arrived = 0
        self.broken = 0

    async def areport(self):
        return types.SimpleNamespace(calls=[object()] * self.arrived)

    async def break_barrier(self):
        self.broken += 1


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
        kata.lookup.options(num_cpus=0).remote("a")  # not counted
        probe.arrived = 1
        await asyncio.sleep(QUIET * 2.5)
    assert not watch.stalled and probe.broken == 0


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
