"""Mutant: the scheduler keeps one next slot for the whole crawl: a request to b.test waits
for a.test's gap."""

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import HostScheduler as Reference

BREAKS = "schedule-per-origin"
SAYS = ("per origin",)


class HostScheduler(Reference):
    def reserve(self, origin: str) -> float:
        return super().reserve("every origin")  # the mistake: one schedule for everyone
