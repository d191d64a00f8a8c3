"""Kata 05 · First wins: the tests your code must pass."""

import asyncio
import contextlib
import os
from dataclasses import dataclass, field

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.handoffs import QUIET, watch_handoffs
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.probes import Probe, ProbeReport
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timeline import Interval
from dojo.harness.timing import warm_workers
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

QUERY = "cats"
FAST = "fast"
SLOW = "slow"
# The probe's barrier holds every call until ALL the replicas are in flight, then releases
# them together: the race starts only then, and the loser is surely running (never still
# being scheduled) when it gets cancelled. Two replicas, one fast and one slow, are enough to
# tell first-wins from wait-for-all, and two warm worker processes run them at once. A query
# that does not reach every replica breaks the barrier once your code, with the asks it
# started held there, starts no other for a second (dojo/harness/handoffs.py), or after
# BARRIER_IDLE seconds without a new arrival (the workers are warm: generous even when busy).
BARRIER_IDLE = 4.0
# From the release, the fast replica answers after FAST_DELAY, the slow one after SLOW_DELAY:
# far longer than a correct first_answer takes to return and cancel it (a cancel took 0.02 to
# 0.07 s to stop a task with a load average of 32 on 2 cores), short enough that a wrong one
# is judged soon: the verdict comes as soon as the slow replica is stopped or has finished.
FAST_DELAY = 0.3
SLOW_DELAY = 3.5
# After first_answer returns, how long a slow replica that was NOT stopped may take to end.
ENDED_WITHIN = SLOW_DELAY + 3.0
# The loop-responsiveness race: the fast replica takes HEARTBEAT_FAST_DELAY, so a blocking
# wait freezes the loop for about that long.
# (The heartbeat's freeze rule judges it: Heartbeat.assert_loop_stayed_free.)
HEARTBEAT_FAST_DELAY = 1.0


@dataclass(frozen=True)
class _Replica:
    """A replica that signs its work: the probe label carries its name and its worker's
    process id (`fast@1234`), so the tests can tell which replica answered, and whether a
    replica stopped with `ray.cancel(ref, force=True)` (its worker process is killed, so it
    never reports its end) is gone. It also counts, in this process, every time it is shipped
    to a task: each `ask.remote(replica, query)` serialises it once. (Ray pickles this class
    by reference: workers import this module, which works because the repository root is on
    their PYTHONPATH.)"""

    name: str
    service: SlowService
    shipped: list = field(default_factory=list, compare=False, repr=False)

    def call(self, query: str) -> str:
        return self.service.call(f"{self.name}:{query}@{os.getpid()}")

    def __reduce__(self):
        self.shipped.append(self.name)
        return _Replica, (self.name, self.service)


def _name(call: Interval) -> str:
    return call.label.split(":", 1)[0]


def _pid(call: Interval) -> int:
    return int(call.label.rsplit("@", 1)[1])


def _process_gone(pid: int) -> bool:
    """True once the process has exited (a zombie counts: it runs nothing any more)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@dataclass
class _Race:
    result: object
    at_return: ProbeReport  # what the probe saw the moment first_answer returned
    probe: Probe

    def calls_of(self, report: ProbeReport, name: str) -> list[Interval]:
        return [c for c in report.calls if _name(c) == name]


async def _abandon(run: asyncio.Future) -> None:
    run.cancel()
    with contextlib.suppress(BaseException):
        await run


def _check_raised(error: Exception, call: str) -> None:
    text = str(error)
    if isinstance(error, AttributeError) and "add_done_callback" in text:
        likely = (
            "asyncio.wait on raw ObjectRefs: it needs futures; wrap each ref first with "
            "asyncio.ensure_future(ref) (and remember which ref each wrapper stands for)"
        )
    elif isinstance(error, ray.exceptions.TaskCancelledError):
        likely = (
            "awaiting (or getting) a ref after ray.cancel(ref): a cancelled ref raises "
            "TaskCancelledError; return the winner's answer and leave the losers alone"
        )
    else:
        likely = [
            "an error in first_answer itself: every replica answers without error here",
            "asking for the result of a future that is not done yet",
        ]
    fail(
        f"{call} raised {type(error).__name__}: {text.strip().splitlines()[-1][:200]}",
        "the first answer, returned",
        likely,
    )


@pytest.fixture
async def probe(make_probe):
    """A probe whose barrier waits for both replicas, with its actor up and a worker process
    ready for each replica. Set up here, right before the test, because fixture setup is not
    timed: a slow machine cannot eat the test's own time."""
    probe = make_probe(barrier=2, barrier_idle=BARRIER_IDLE)
    await probe.areport()
    await warm_workers(2)
    return probe


async def _race(kata, probe, names: list[str], fast_delay: float = FAST_DELAY, heart=None):
    """Run first_answer over replicas named `names` (FAST answers after fast_delay, the other
    after SLOW_DELAY), under the heartbeat `heart` if given."""
    replicas = [
        _Replica(name, SlowService(probe, delay=fast_delay if name == FAST else SLOW_DELAY))
        for name in names
    ]
    call = f"first_answer({len(names)} replicas, {QUERY!r})"
    async with (
        heart or contextlib.nullcontext(),
        watch_handoffs(kata, "ask", probe, want=len(names)) as handoffs,
    ):
        run = asyncio.ensure_future(kata.first_answer(replicas, QUERY))

        async def all_asked_or_given_up():
            report = await probe.areport()
            return run.done() or report.peak >= len(names) or report.barrier_broken

        await wait_until(all_asked_or_given_up, within=BARRIER_IDLE + 20)
        report = await probe.areport()
        if report.barrier_broken and not run.done():
            await _abandon(run)
            asked = {name for r in replicas for name in r.shipped}
            quiet = QUIET if handoffs.stalled else BARRIER_IDLE
            if len(asked) < len(names):
                fail(
                    f"not all asked at once: {len(asked)} of the {len(names)} replicas got "
                    f"the query, and then nothing for {quiet:g} s",
                    "the query goes to every replica at once, before waiting for any answer",
                    "waiting for one replica's answer before asking the next (an await inside "
                    "the loop); start every ask.remote(...) first, then wait for the first to "
                    "finish",
                    picture=report.timeline(),
                )
            fail(
                f"all {len(names)} replicas were asked, but Ray started their tasks more than "
                f"{BARRIER_IDLE:g} s apart, so the race was not fair",
                "every replica's task starts within a moment of the others",
                "not your code, most likely: worker processes start slowly on a very busy "
                "machine; run the tests again",
                picture=report.timeline(),
            )
        try:
            result = await finishes_within(run, 25, call)
        except NotDoneYet:
            raise
        except Exception as error:
            _check_raised(error, call)
    return _Race(result, await probe.areport(), probe)


def _short(value, width: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _check_is_an_answer(result) -> str:
    if isinstance(result, ray.ObjectRef) or asyncio.isfuture(result):
        fail(
            f"first_answer returned a {type(result).__name__}, not an answer: {_short(result)}",
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


async def test_returns_while_slow_replicas_are_still_working(kata, probe):
    race = await _race(kata, probe, [FAST, SLOW])
    _check_is_an_answer(race.result)
    finished_slow = [c for c in race.calls_of(race.at_return, SLOW) if c.outcome == "ok"]
    if finished_slow:
        fail(
            f"first_answer returned only after the slow replica had finished its work "
            f"({SLOW_DELAY:g} s), long after the fast one answered",
            "first_answer returns as soon as the fast replica answers, while the slow one "
            "is still working",
            "first_answer waited for every replica (asyncio.gather, or awaiting each ref in "
            "turn) and then picked one; wait for the FIRST to finish: asyncio.wait(..., "
            "return_when=asyncio.FIRST_COMPLETED) on wrapped refs, or asyncio.as_completed",
            picture=race.at_return.timeline(),
        )


async def test_the_slower_replicas_are_cancelled(kata, make_probe):
    # Three replicas, so two losers: code that cancels only one of them shows it.
    names = [SLOW, FAST, SLOW]
    probe = make_probe(barrier=len(names), barrier_idle=BARRIER_IDLE)
    await probe.areport()
    await warm_workers(len(names))
    race = await _race(kata, probe, names)
    waited_for = [c for c in race.calls_of(race.at_return, SLOW) if c.outcome == "ok"]
    if waited_for:
        fail(
            f"{len(waited_for)} slower replica(s) had finished their work before first_answer "
            "returned: it waited for them",
            "first_answer returns as soon as the first replica answers, and stops the others",
            [
                "waiting for every replica (asyncio.gather, or awaiting each ref in turn) "
                "instead of the first to finish",
                "waiting for one chosen replica (the first in the list) instead of whichever "
                "finishes first",
            ],
            picture=race.at_return.timeline(),
        )

    def stopped(call: Interval) -> bool:
        # Ended (cancelled, or done), or its worker process was killed (force=True).
        return call.end is not None or _process_gone(_pid(call))

    async def slow_ones_stopped():
        report = await race.probe.areport()
        return report if all(stopped(c) for c in race.calls_of(report, SLOW)) else None

    # A cancelled replica ends at once, as "cancelled" (or its worker is gone, when cancelled
    # with force=True); one that was left alone ends "ok" when its work is done: the verdict
    # is in as soon as one of the two happens.
    report = await wait_until(slow_ones_stopped, within=ENDED_WITHIN) or await race.probe.areport()
    slow_calls = race.calls_of(report, SLOW)
    completed = [c for c in slow_calls if c.end is not None and c.outcome == "ok"]
    if completed or not all(stopped(c) for c in slow_calls):
        ran_on = len(completed) or len([c for c in slow_calls if not stopped(c)])
        happened = (
            f"{ran_on} of the {len(slow_calls)} slower replicas ran to completion after "
            "first_answer had returned (their side effect happened)"
            if completed
            else f"{ran_on} of the {len(slow_calls)} slower replicas were still running "
            f"{ENDED_WITHIN:g} s after first_answer had returned"
        )
        fail(
            happened,
            "every replica still working when the first answer arrives is stopped: its call "
            "ends 'cancelled' right away",
            "ray.cancel on only some of the losers: cancel every ref still pending when the "
            "first answer arrives (however many replicas there are)"
            if ran_on < len(slow_calls)
            else "the slower replicas ran on: did you ray.cancel the losers? Returning, or "
            "cancelling the asyncio wrapper (task.cancel()), only stops YOUR waiting; the "
            "Ray task keeps running until ray.cancel(ref) interrupts it",
            picture=report.timeline(),
        )


def _query(call: Interval) -> str:
    return call.label.split(":", 1)[1].rsplit("@", 1)[0]


async def test_the_answer_is_the_fast_replicas(kata, probe):
    race = await _race(kata, probe, [SLOW, FAST])
    result = _check_is_an_answer(race.result)
    other = sorted({_query(c) for c in race.at_return.calls} - {QUERY})
    if other:
        fail(
            f"the replicas were asked {', '.join(map(repr, other))}",
            f"each replica is asked the query first_answer was given: {QUERY!r}",
            "a query other than the `query` argument passed on to ask.remote(replica, query)",
            picture=race.at_return.timeline(),
        )
    expected = [answer(c.label) for c in race.calls_of(race.at_return, FAST)]
    if result not in expected:
        fail(
            f"first_answer returned {result!r}",
            f"the answer of the replica that finished first (here the last in the list): "
            f"{expected[0] if expected else '(it never answered)'!r}",
            "taking the answer of the first replica in the list instead of the first to "
            "finish, or making up the answer instead of taking it from the finished ref",
            picture=race.at_return.timeline(),
        )


async def test_the_event_loop_keeps_running_while_it_waits(kata, probe):
    heart = Heartbeat()
    await _race(kata, probe, [SLOW, FAST], fast_delay=HEARTBEAT_FAST_DELAY, heart=heart)
    during = f"first_answer waited for the replicas (the fast one takes {HEARTBEAT_FAST_DELAY} s)"
    heart.assert_loop_stayed_free(
        during,
        candidates=[
            "ray.wait(...) inside the coroutine: it blocks the whole thread until a ref "
            "is ready (with a timeout too, for that long); use asyncio.wait(..., "
            "return_when=FIRST_COMPLETED) on wrapped refs",
            "ray.get(...) inside the coroutine: `await` the ref instead",
            "time.sleep(...) inside the coroutine: `await asyncio.sleep(...)` instead",
        ],
    )
