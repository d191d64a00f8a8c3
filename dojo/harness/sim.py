"""Simulated slow services for the katas: deterministic answers, recorded by a probe.

Everything here is picklable, so a service can be passed into Ray tasks and actors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from dojo.harness.probes import Probe

# Sleep in short slices: ray.cancel interrupts a task between slices, while one long
# time.sleep is not interrupted (ray-project/ray#32954).
_SLICE = 0.02


def answer(item: Hashable) -> str:
    """What the service replies for `item`; the tests compute the same to check results."""
    return f"reply to {item}"


class OutOfStock(Exception):
    """A business error a service may raise; it must survive the trip through Ray."""


class PriceNotFound(LookupError):
    """Another one, from a different branch of the exception tree."""


def _sleep(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(_SLICE, left))


@dataclass(frozen=True)
class SlowService:
    """A pretend remote service: each call blocks for `delay` seconds (like a network call),
    then returns `answer(item)` or raises the configured error."""

    probe: Probe
    delay: float = 0.3
    delays: Mapping[Hashable, float] = field(default_factory=dict)
    gates: Mapping[Hashable, str] = field(default_factory=dict)
    failures: Mapping[Hashable, Exception] = field(default_factory=dict)

    def _delay(self, item: Hashable) -> float:
        return self.delays.get(item, self.delay)

    def call(self, item: Hashable) -> str:
        """Blocking call: use from Ray tasks and threaded actors."""
        with self.probe.track(str(item), gate=self.gates.get(item)):
            _sleep(self._delay(item))
            if item in self.failures:
                raise self.failures[item]
            return answer(item)

    async def acall(self, item: Hashable) -> str:
        """Non-blocking call: use from async actors."""
        async with self.probe.track_async(str(item), gate=self.gates.get(item)):
            await asyncio.sleep(self._delay(item))
            if item in self.failures:
                raise self.failures[item]
            return answer(item)
