"""Mutant: the scheduler reads the wall clock, time.time(), instead of the clock it was
given. It works in production by luck; no test can drive it, and a wall-clock step (NTP)
would shift every slot."""

import time

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import HostScheduler as Reference

BREAKS = "reads-only-the-injected-clock"
SAYS = ("self.clock",)


class HostScheduler(Reference):
    def reserve(self, origin: str) -> float:
        now = time.time()  # the mistake: the wall clock, not self.clock()
        start = max(now, self._next_start.get(origin, now))
        self._next_start[origin] = start + self.delay
        return start - now
