"""Mutant: reserve() counts from "the last start", and an origin never seen is treated as
if it had just started: the very first request to every host waits a whole delay."""

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import HostScheduler as Reference

BREAKS = "first-request-starts-at-once"
SAYS = ("first request",)


class HostScheduler(Reference):
    def reserve(self, origin: str) -> float:
        now = self.clock()
        self._next_start.setdefault(origin, now + self.delay)  # the mistake: a made-up start
        return super().reserve(origin)
