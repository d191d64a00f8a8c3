"""Kata 05 · First wins: the tests your code must pass."""

import asyncio
from dataclasses import dataclass

import pytest
import ray

from dojo.harness.probes import Probe, ProbeReport
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

QUERY = "cats"
FAST = "fast"
# The probe's barrier holds every call until ALL the replicas are in flight, then releases
# them together: however slowly Ray starts its workers, the race starts only then, and the
# losers are surely running (never still being scheduled) when they get cancelled. A query
# that does not reach every replica at once breaks the barrier after BARRIER_IDLE seconds
# without a new arrival (generous: cold worker processes start slowly on a busy machine).
# Two replicas, one fast and one slow, are enough to tell first-wins from wait-for-all, and
# Ray keeps two idle workers warm on this 2-CPU cluster (a third replica would mean starting
# a new worker process in every test, which takes seconds on a busy machine).
BARRIER_IDLE = 10.0
# From the release, the fast replica answers after FAST_DELAY, the slow one after SLOW_DELAY:
# far longer than a correct first_answer takes to return and cancel it (on a very busy
# machine Ray's notices and cancels have been seen to lag by seconds), short enough that a
# wrong one ends soon.
FAST_DELAY = 0.3
SLOW_DELAY = 5.0
# After first_answer returns, how long a slow replica that was NOT cancelled may take to end.
ENDED_WITHIN = SLOW_DELAY + 3.0


@dataclass(frozen=True)
class _Replica:
    """A replica that signs its work: the probe label and the answer carry its name, so the
    tests can tell which replica answered and which ones were stopped. (SlowService labels a
    call by its item alone. Ray pickles this class by reference: workers import this module,
    which works because the repository root is on their PYTHONPATH.)"""

    name: str
    service: SlowService

    def call(self, query: str) -> str:
        return self.service.call(f"{self.name}:{query}")


def _label(name: str) -> str:
    return f"{name}:{QUERY}"


@dataclass
class _Race:
    result: object
    at_return: ProbeReport  # what the probe saw the moment first_answer returned
    probe: Probe
    slow: set[str]  # probe labels of the slow replicas


async def _race(kata, make_probe, names: list[str]) -> _Race:
    """Run first_answer over replicas named `names` (one of them FAST, the others slow)."""
    probe = make_probe(barrier=len(names), barrier_idle=BARRIER_IDLE)
    replicas = [
        _Replica(name, SlowService(probe, delay=FAST_DELAY if name == FAST else SLOW_DELAY))
        for name in names
    ]
    await probe.areport()  # the probe actor is up before any replica reports to it
    call = f"first_answer({len(names)} replicas, {QUERY!r})"
    result = await finishes_within(kata.first_answer(replicas, QUERY), 25, call)
    at_return = await probe.areport()
    if at_return.barrier_broken and at_return.peak >= len(names):
        fail(
            f"all {len(names)} replicas were asked, but Ray started their tasks more than "
            f"{BARRIER_IDLE:.0f} s apart, so the race was not fair",
            "every replica's task starts within a moment of the others",
            "not your code, most likely: worker processes start slowly on a very busy "
            "machine; run the tests again",
            picture=at_return.timeline(),
        )
    if at_return.barrier_broken:
        fail(
            f"the {len(names)} replicas were not all asked at once (at most {at_return.peak} "
            f"worked on the query at the same time)",
            "the query goes to every replica at once, before waiting for any answer",
            "waiting for one replica's answer before asking the next (an await inside the "
            "loop); start every ask.remote(...) first, then wait for the first to finish",
            picture=at_return.timeline(),
        )
    slow = {_label(name) for name in names if name != FAST}
    return _Race(result, at_return, probe, slow)


def _check_is_an_answer(result) -> str:
    if isinstance(result, ray.ObjectRef) or asyncio.isfuture(result):
        fail(
            f"first_answer returned {type(result).__name__} {result!r:.60}, not an answer",
            "the answer string itself",
            "returning the winning ref (or its asyncio wrapper) instead of its result: "
            "`await` it, or call `.result()` on a future that asyncio.wait reported done",
        )
    if not isinstance(result, str):
        fail(
            f"first_answer returned {type(result).__name__} {result!r:.80}",
            "one answer string: the first replica's to arrive",
            "returning the collection of finished futures (or all the answers) instead of one",
        )
    return result


async def test_returns_while_slow_replicas_are_still_working(kata, make_probe):
    race = await _race(kata, make_probe, [FAST, "slow"])
    _check_is_an_answer(race.result)
    finished_slow = [c for c in race.at_return.finished(outcome="ok") if c.label in race.slow]
    if finished_slow:
        fail(
            f"first_answer returned only after the slow replica had finished its work "
            f"({SLOW_DELAY:.0f} s), long after the fast one answered",
            "first_answer returns as soon as the fast replica answers, while the slow one "
            "is still working",
            "first_answer waited for every replica (asyncio.gather, or awaiting each ref in "
            "turn) and then picked one; wait for the FIRST to finish: asyncio.wait(..., "
            "return_when=asyncio.FIRST_COMPLETED) on wrapped refs, or asyncio.as_completed",
            picture=race.at_return.timeline(),
        )


async def test_the_slower_replicas_are_cancelled(kata, make_probe):
    race = await _race(kata, make_probe, ["slow", FAST])

    async def slow_ones_ended():
        report = await race.probe.areport()
        slow_calls = [c for c in report.calls if c.label in race.slow]
        return report if all(c.end is not None for c in slow_calls) else None

    # A cancelled replica ends at once, as "cancelled"; one that was left alone ends "ok"
    # when its work is done (its side effect happened, its capacity was spent for nothing).
    report = await wait_until(slow_ones_ended, within=ENDED_WITHIN) or await race.probe.areport()
    slow_calls = [c for c in report.calls if c.label in race.slow]
    completed = [c for c in slow_calls if c.end is not None and c.outcome == "ok"]
    still_running = [c for c in slow_calls if c.end is None]
    if completed or still_running:
        happened = (
            "the slower replica ran to completion after first_answer had returned (its side "
            "effect happened)"
            if completed
            else f"the slower replica was still running {ENDED_WITHIN:.0f} s after "
            "first_answer had returned"
        )
        fail(
            happened,
            "every replica still working when the first answer arrives is stopped: its call "
            "ends 'cancelled' right away",
            "the slower replicas ran to completion: did you ray.cancel the losers? Returning, "
            "or cancelling the asyncio wrapper (task.cancel()), only stops YOUR waiting; the "
            "Ray task keeps running until ray.cancel(ref) interrupts it",
            picture=report.timeline(),
        )


async def test_the_answer_is_the_fast_replicas(kata, make_probe):
    race = await _race(kata, make_probe, ["slow", FAST])
    result = _check_is_an_answer(race.result)
    expected = answer(_label(FAST))
    if result != expected:
        fail(
            f"first_answer returned {result!r}",
            f"the answer of the replica that finished first (here the last in the list): "
            f"{expected!r}",
            "taking the answer of the first replica in the list instead of the first to "
            "finish, or making up the answer instead of taking it from the finished ref",
            picture=race.at_return.timeline(),
        )
