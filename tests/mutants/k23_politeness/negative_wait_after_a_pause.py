"""Mutant: the wait is "next free slot - now" without max(): after a pause the slot is in
the past and the wait comes out negative (asyncio.sleep takes it as 0, a caller adding it
to a time does not), and the next slot is booked in the past too."""

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import HostScheduler as Reference

BREAKS = "no-wait-after-a-pause"
SAYS = ("never negative",)


class HostScheduler(Reference):
    def reserve(self, origin: str) -> float:
        now = self.clock()
        start = self._next_start.get(origin, now)  # the mistake: a slot in the past is kept
        self._next_start[origin] = start + self.delay
        return start - now
