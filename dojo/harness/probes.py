"""Concurrency probes: prove overlap by mechanism, not by the clock.

A `Probe` is a small async actor plus a picklable handle you pass into tasks and actors.
Code under test wraps each unit of work in `probe.track(label)` (or `track_async`); the probe
records start/end, counts calls in flight and remembers the peak. Two kinds of hold make
proofs independent of machine speed:

* a barrier: every call waits until `barrier` calls are in flight at once. Concurrent code
  fills it; sequential code cannot, so it breaks after `barrier_idle` seconds without a new
  arrival and then lets everyone through (the test reads `report().barrier_broken`).
* gates: a call can wait on a named gate that the test opens; if nobody opens it within
  `gate_timeout`, it opens by itself and the report says so.

The actor reads one clock for every call, so intervals are comparable across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import ray

from dojo.harness.timeline import Interval, peak_in_flight, render

# The mark a report carries when the test broke the barrier itself, having seen the code under
# test stop starting calls (dojo/harness/handoffs.py), rather than after the idle limit.
BROKEN_ON_A_STALL = "barrier broken: the code started no more calls"


@dataclass(frozen=True)
class ProbeReport:
    calls: list[Interval]
    peak: int
    barrier: int | None
    barrier_broken: bool
    gates: dict[str, str] = field(default_factory=dict)  # name -> "signal" | "timeout" | "closed"
    marks: frozenset[str] = frozenset()  # facts the code under test noted (Probe.mark)
    now: float | None = None  # the probe actor's clock when this report was read

    def timeline(self, title: str = "what ran when") -> str:
        return render(self.calls, title, now=self.now)

    def finished(self, label: str | None = None, outcome: str | None = None) -> list[Interval]:
        return [
            c
            for c in self.calls
            if c.end is not None
            and (label is None or c.label == label)
            and (outcome is None or c.outcome == outcome)
        ]

    @property
    def running(self) -> list[Interval]:
        return [c for c in self.calls if c.end is None]

    def peak_among(self, labels: set[str]) -> int:
        return peak_in_flight([c for c in self.calls if c.label in labels])[0]


class _Round:
    """What one test recorded: a probe actor is reused, one round per test."""

    def __init__(self, barrier: int | None, barrier_idle: float, gate_timeout: float):
        self.calls: list[list] = []  # [label, start, end, outcome]
        self.in_flight = 0
        self.peak = 0
        self.barrier = barrier
        self.barrier_idle = barrier_idle
        self.barrier_open = asyncio.Event()
        self.barrier_broken = False
        self.last_arrival = time.monotonic()
        self.gate_timeout = gate_timeout
        self.gates: dict[str, asyncio.Event] = {}
        self.gate_opened_by: dict[str, str] = {}
        self.marks: set[str] = set()

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    def release_everyone(self) -> None:
        self.barrier_open.set()
        for event in self.gates.values():
            event.set()


@ray.remote(num_cpus=0)
class _ProbeActor:
    """Starting an actor costs about a second of CPU, so probe actors are pooled: each test
    gets a fresh round, and calls still arriving from an earlier test's leftover tasks carry
    that round's number and are ignored."""

    def __init__(self):
        self._round_number = 0
        self._round = _Round(None, 0, 0)

    async def reset(self, barrier: int | None, barrier_idle: float, gate_timeout: float) -> int:
        self._round.release_everyone()  # an earlier test's stragglers must not hang
        self._round_number += 1
        self._round = _Round(barrier, barrier_idle, gate_timeout)
        return self._round_number

    def _current(self, round_number: int) -> _Round | None:
        return self._round if round_number == self._round_number else None

    async def enter(self, round_number: int, label: str, gate: str | None = None) -> int:
        r = self._current(round_number)
        if r is None:
            return -1
        call_id = len(r.calls)
        r.calls.append([label, time.monotonic(), None, "running"])
        r.in_flight += 1
        r.peak = max(r.peak, r.in_flight)
        r.last_arrival = time.monotonic()
        if r.barrier is not None:
            await self._pass_barrier(r)
        if gate is not None:
            await self._pass_gate(r, gate)
        return call_id

    @staticmethod
    async def _pass_barrier(r: _Round) -> None:
        if r.in_flight >= r.barrier:
            r.barrier_open.set()
        while not r.barrier_open.is_set():
            remaining = r.last_arrival + r.barrier_idle - time.monotonic()
            if remaining <= 0:
                # Nobody new arrived for a while: the calls are not running together.
                r.barrier_broken = True
                r.barrier_open.set()
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(r.barrier_open.wait(), remaining)

    @staticmethod
    async def _pass_gate(r: _Round, name: str) -> None:
        event = r.gate(name)
        try:
            await asyncio.wait_for(event.wait(), r.gate_timeout)
        except TimeoutError:
            r.gate_opened_by.setdefault(name, "timeout")
            event.set()

    async def leave(self, round_number: int, call_id: int, outcome: str = "ok") -> None:
        r = self._current(round_number)
        if r is None or call_id < 0:
            return
        call = r.calls[call_id]
        if call[2] is None:
            call[2], call[3] = time.monotonic(), outcome
            r.in_flight -= 1

    async def break_barrier(self, round_number: int) -> None:
        r = self._current(round_number)
        if r is not None and r.barrier is not None and not r.barrier_open.is_set():
            r.barrier_broken = True
            r.marks.add(BROKEN_ON_A_STALL)
            r.barrier_open.set()

    async def hold_barrier(self, round_number: int) -> None:
        """Count now as an arrival for the barrier's idle limit: the test knows every call
        was started, so the missing ones are on their way (a worker still starting)."""
        r = self._current(round_number)
        if r is not None and r.barrier is not None and not r.barrier_open.is_set():
            r.last_arrival = max(r.last_arrival, time.monotonic())

    async def open_gate(self, round_number: int, name: str) -> None:
        r = self._current(round_number)
        if r is not None:
            r.gate_opened_by.setdefault(name, "signal")
            r.gate(name).set()

    async def mark(self, round_number: int, name: str) -> None:
        r = self._current(round_number)
        if r is not None:
            r.marks.add(name)

    async def ping(self) -> None:
        """Answer at once: how promptly it does is what dojo/harness/pulse.py watches."""

    async def report(self, round_number: int) -> dict:
        r = self._current(round_number)
        if r is None:
            raise RuntimeError("this probe was released: its recording is gone")
        return {
            "calls": [tuple(c) for c in r.calls],
            "peak": r.peak,
            "barrier": r.barrier,
            "barrier_broken": r.barrier_broken,
            "gates": {n: r.gate_opened_by.get(n, "closed") for n in r.gates},
            "marks": sorted(r.marks),
            "now": time.monotonic(),
        }


# Idle probe actors of this driver, with the Ray job they belong to.
_idle_probe_actors: list[tuple[str, object]] = []


def start_idle_probe_actor() -> None:
    """Start a probe actor now and leave it idle for this job's next Probe.create() (what
    create() + release() leave behind, minus the wait): `dojo watch` calls it between runs so
    the next check does not pay for an actor start (~1 s)."""
    _idle_probe_actors.append((_current_job(), _ProbeActor.remote()))


def _current_job() -> str:
    return ray.get_runtime_context().get_job_id()


def _to_report(raw: dict) -> ProbeReport:
    calls = [Interval(label, start, end, outcome) for label, start, end, outcome in raw["calls"]]
    return ProbeReport(
        calls=calls,
        peak=raw["peak"],
        barrier=raw["barrier"],
        barrier_broken=raw["barrier_broken"],
        gates=raw["gates"],
        marks=frozenset(raw["marks"]),
        now=raw.get("now"),
    )


class Probe:
    """Picklable handle to one round of a probe actor: pass it into tasks and actors.

    The code under test wraps each unit of work in `track` (blocking code) or `track_async`;
    the test reads what happened with `report()` / `areport()`.

    Args:
        actor: the probe actor (use `Probe.create`, which reuses an idle one).
        round_number: this recording's round on that actor.

    Examples:
        >>> probe = Probe.create(barrier=8, barrier_idle=3.0)   # in a test (make_probe)
        >>> service = SlowService(probe, delay=0.2)              # its calls are tracked
        >>> ...                                                  # run the learner's code
        >>> report = probe.report()
        >>> report.peak, report.barrier_broken, print(report.timeline())
    """

    def __init__(self, actor, round_number: int):
        self._actor = actor
        self._round = round_number

    @classmethod
    def create(
        cls,
        barrier: int | None = None,
        barrier_idle: float = 4.0,
        gate_timeout: float = 5.0,
    ) -> Probe:
        """A probe with a fresh recording (reusing an idle probe actor when there is one)."""
        job = _current_job()
        while _idle_probe_actors:
            owner, actor = _idle_probe_actors.pop()
            if owner != job:
                continue  # from an earlier Ray session: gone
            try:
                return cls(actor, ray.get(actor.reset.remote(barrier, barrier_idle, gate_timeout)))
            except ray.exceptions.RayActorError:
                continue
        actor = _ProbeActor.remote()
        return cls(actor, ray.get(actor.reset.remote(barrier, barrier_idle, gate_timeout)))

    # -- used by the code being measured -------------------------------------------------
    def enter_remote(self, label: str, gate: str | None = None) -> ray.ObjectRef:
        """Start recording a call; the ref resolves to its id once barrier/gate let it go.
        For code that must wait its own way (see kata 03's CPU-faithful service)."""
        return self._actor.enter.remote(self._round, label, gate)

    def leave_remote(self, call_id: int, outcome: str = "ok") -> ray.ObjectRef:
        return self._actor.leave.remote(self._round, call_id, outcome)

    # ray.cancel(ref) is recursive by default: it also cancels the tasks the cancelled one
    # started, and the "call ended" record sent from its `finally` can be one of them. The
    # record is sent again until it lands, so a cancelled call never stays "running".
    _RECORD_TRIES = 3

    def _record_end(self, call_id: int, outcome: str) -> None:
        for _ in range(self._RECORD_TRIES):
            try:
                self.leave_remote(call_id, outcome).future().result()
                return
            except ray.exceptions.TaskCancelledError:
                continue

    async def _arecord_end(self, call_id: int, outcome: str) -> None:
        for _ in range(self._RECORD_TRIES):
            try:
                await self.leave_remote(call_id, outcome)
                return
            except ray.exceptions.TaskCancelledError:
                continue

    def ping(self) -> ray.ObjectRef:
        """A call the probe's actor answers at once (see dojo/harness/pulse.py)."""
        return self._actor.ping.remote()

    def mark(self, name: str) -> ray.ObjectRef:
        """Note a fact about how the code under test ran (fire-and-forget), e.g. that a
        blocking call ran on an event loop's thread; the report lists the marks."""
        return self._actor.mark.remote(self._round, name)

    @contextlib.contextmanager
    def track(self, label: str, gate: str | None = None):
        """Record one unit of blocking work (in a task or a threaded actor).

        It waits through `ref.future()`, not `ray.get`: when a learner makes this blocking
        call inside an async actor, Ray's warning about a blocking ray.get must be about
        their code, never about the probe's."""
        call_id = self.enter_remote(label, gate).future().result()
        outcome = "error"
        try:
            yield
            outcome = "ok"
        except (KeyboardInterrupt, asyncio.CancelledError):
            # ray.cancel interrupts a running task with KeyboardInterrupt.
            outcome = "cancelled"
            raise
        finally:
            self._record_end(call_id, outcome)

    @contextlib.asynccontextmanager
    async def track_async(self, label: str, gate: str | None = None):
        """Record one unit of async work (in an async actor or the driver's loop)."""
        call_id = await self.enter_remote(label, gate)
        outcome = "error"
        try:
            yield
            outcome = "ok"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            # Shielded so a cancelled caller still records how its call ended.
            await asyncio.shield(asyncio.ensure_future(self._arecord_end(call_id, outcome)))

    # -- used by the tests ---------------------------------------------------------------
    def open_gate(self, name: str):
        """Open a gate (fire-and-forget; safe to call from sync callbacks)."""
        return self._actor.open_gate.remote(self._round, name)

    async def break_barrier(self) -> None:
        """Let every call waiting at the barrier go now, as its idle limit would: the test
        already knows the calls are not running together (dojo/harness/handoffs.py)."""
        await self._actor.break_barrier.remote(self._round)

    async def hold_barrier(self) -> None:
        """Keep the barrier from giving up for another `barrier_idle`: the test saw every
        call started, and the missing ones are still on their way (dojo/harness/handoffs.py)."""
        await self._actor.hold_barrier.remote(self._round)

    def report(self) -> ProbeReport:
        return _to_report(ray.get(self._actor.report.remote(self._round)))

    async def areport(self) -> ProbeReport:
        return _to_report(await self._actor.report.remote(self._round))

    def release(self) -> None:
        """End this recording and keep the actor for the next probe. Waiting calls are let
        go and later calls from this round are ignored, so leftovers cannot leak."""
        try:
            ray.get(self._actor.reset.remote(None, 0, 0), timeout=10)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            self.kill()
            return
        _idle_probe_actors.append((_current_job(), self._actor))

    def kill(self) -> None:
        ray.kill(self._actor)
