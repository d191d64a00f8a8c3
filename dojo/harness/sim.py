"""Simulated slow services for the katas: deterministic answers, recorded by a probe.

Everything here is picklable, so a service can be passed into Ray tasks and actors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from dojo.harness.probes import Probe

# Marks a blocking `call` leaves in its probe's report: where it ran. (An async actor's
# method runs on the actor's event loop; asyncio.to_thread or an executor runs it off it.)
CALLED_ON_A_LOOP = "service.call on an event loop"
CALLED_OFF_A_LOOP = "service.call off the event loop"
CALLED_ASYNC = "service.acall"  # what the non-blocking call leaves
# Also left by a blocking `call` made in an actor's process (a task's is not): code that was
# to call the service through a given Ray task called it itself.
CALLED_IN_AN_ACTOR = "service.call in an actor"

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


def on_an_event_loop() -> bool:
    """Is this thread running an asyncio event loop now?"""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_an_actor() -> bool:
    import ray

    return ray.is_initialized() and ray.get_runtime_context().get_actor_id() is not None


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
        """Blocking call: use from Ray tasks and threaded actors. It marks the probe with
        where it ran (CALLED_ON_A_LOOP or CALLED_OFF_A_LOOP)."""
        self.probe.mark(CALLED_ON_A_LOOP if on_an_event_loop() else CALLED_OFF_A_LOOP)
        if _in_an_actor():
            self.probe.mark(CALLED_IN_AN_ACTOR)
        with self.probe.track(str(item), gate=self.gates.get(item)):
            _sleep(self._delay(item))
            if item in self.failures:
                raise self.failures[item]
            return answer(item)

    async def acall(self, item: Hashable) -> str:
        """Non-blocking call: use from async actors. It marks the probe with CALLED_ASYNC."""
        self.probe.mark(CALLED_ASYNC)
        async with self.probe.track_async(str(item), gate=self.gates.get(item)):
            await asyncio.sleep(self._delay(item))
            if item in self.failures:
                raise self.failures[item]
            return answer(item)
