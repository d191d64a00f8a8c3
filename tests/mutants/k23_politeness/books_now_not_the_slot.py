"""Mutant: reserve() remembers the time of the call instead of the slot it gave out. Two
reservations at the same instant both get `delay`: two requests start together."""

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import HostScheduler as Reference

BREAKS = "every-call-books-its-own-slot"
SAYS = ("slot of its own",)


class HostScheduler(Reference):
    def reserve(self, origin: str) -> float:
        now = self.clock()
        start = max(now, self._next_start.get(origin, now))
        self._next_start[origin] = now + self.delay  # the mistake: the call, not the slot
        return start - now
