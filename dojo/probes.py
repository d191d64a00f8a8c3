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

from dojo.timeline import Interval, peak_in_flight, render


@dataclass(frozen=True)
class ProbeReport:
    calls: list[Interval]
    peak: int
    barrier: int | None
    barrier_broken: bool
    gates: dict[str, str] = field(default_factory=dict)  # name -> "signal" | "timeout" | "closed"

    def timeline(self, title: str = "what ran when") -> str:
        return render(self.calls, title)

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


@ray.remote(num_cpus=0)
class _ProbeActor:
    def __init__(self, barrier: int | None, barrier_idle: float, gate_timeout: float):
        self._calls: list[list] = []  # [label, start, end, outcome]
        self._in_flight = 0
        self._peak = 0
        self._barrier = barrier
        self._barrier_idle = barrier_idle
        self._barrier_open = asyncio.Event()
        self._barrier_broken = False
        self._last_arrival = time.monotonic()
        self._gate_timeout = gate_timeout
        self._gates: dict[str, asyncio.Event] = {}
        self._gate_opened_by: dict[str, str] = {}

    def _gate(self, name: str) -> asyncio.Event:
        return self._gates.setdefault(name, asyncio.Event())

    async def enter(self, label: str, gate: str | None = None) -> int:
        call_id = len(self._calls)
        self._calls.append([label, time.monotonic(), None, "running"])
        self._in_flight += 1
        self._peak = max(self._peak, self._in_flight)
        self._last_arrival = time.monotonic()
        if self._barrier is not None:
            await self._pass_barrier()
        if gate is not None:
            await self._pass_gate(gate)
        return call_id

    async def _pass_barrier(self) -> None:
        if self._in_flight >= self._barrier:
            self._barrier_open.set()
        while not self._barrier_open.is_set():
            remaining = self._last_arrival + self._barrier_idle - time.monotonic()
            if remaining <= 0:
                # Nobody new arrived for a while: the calls are not running together.
                self._barrier_broken = True
                self._barrier_open.set()
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._barrier_open.wait(), remaining)

    async def _pass_gate(self, name: str) -> None:
        event = self._gate(name)
        try:
            await asyncio.wait_for(event.wait(), self._gate_timeout)
        except TimeoutError:
            self._gate_opened_by.setdefault(name, "timeout")
            event.set()

    async def leave(self, call_id: int, outcome: str = "ok") -> None:
        call = self._calls[call_id]
        if call[2] is None:
            call[2], call[3] = time.monotonic(), outcome
            self._in_flight -= 1

    async def open_gate(self, name: str) -> None:
        self._gate_opened_by.setdefault(name, "signal")
        self._gate(name).set()

    async def report(self) -> dict:
        return {
            "calls": [tuple(c) for c in self._calls],
            "peak": self._peak,
            "barrier": self._barrier,
            "barrier_broken": self._barrier_broken,
            "gates": {n: self._gate_opened_by.get(n, "closed") for n in self._gates},
        }


def _to_report(raw: dict) -> ProbeReport:
    calls = [Interval(label, start, end, outcome) for label, start, end, outcome in raw["calls"]]
    return ProbeReport(
        calls=calls,
        peak=raw["peak"],
        barrier=raw["barrier"],
        barrier_broken=raw["barrier_broken"],
        gates=raw["gates"],
    )


class Probe:
    """Picklable handle to a probe actor: pass it into tasks and actors as an argument."""

    def __init__(self, actor):
        self._actor = actor

    @classmethod
    def create(
        cls,
        barrier: int | None = None,
        barrier_idle: float = 4.0,
        gate_timeout: float = 5.0,
    ) -> Probe:
        return cls(_ProbeActor.remote(barrier, barrier_idle, gate_timeout))

    # -- used by the code being measured -------------------------------------------------
    @contextlib.contextmanager
    def track(self, label: str, gate: str | None = None):
        """Record one unit of blocking work (in a task or a threaded actor)."""
        call_id = ray.get(self._actor.enter.remote(label, gate))
        outcome = "error"
        try:
            yield
            outcome = "ok"
        except (KeyboardInterrupt, asyncio.CancelledError):
            # ray.cancel interrupts a running task with KeyboardInterrupt.
            outcome = "cancelled"
            raise
        finally:
            ray.get(self._actor.leave.remote(call_id, outcome))

    @contextlib.asynccontextmanager
    async def track_async(self, label: str, gate: str | None = None):
        """Record one unit of async work (in an async actor or the driver's loop)."""
        call_id = await self._actor.enter.remote(label, gate)
        outcome = "error"
        try:
            yield
            outcome = "ok"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            # Shielded so a cancelled caller still records how its call ended.
            await asyncio.shield(asyncio.ensure_future(self._actor.leave.remote(call_id, outcome)))

    # -- used by the tests ---------------------------------------------------------------
    def open_gate(self, name: str):
        """Open a gate (fire-and-forget; safe to call from sync callbacks)."""
        return self._actor.open_gate.remote(name)

    def report(self) -> ProbeReport:
        return _to_report(ray.get(self._actor.report.remote()))

    async def areport(self) -> ProbeReport:
        return _to_report(await self._actor.report.remote())

    def kill(self) -> None:
        ray.kill(self._actor)
