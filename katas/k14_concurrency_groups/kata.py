"""Kata 14 · Concurrency groups. The instructions are in README.md next to this file."""

import threading

import ray

from dojo import todo


# TODO: give the actor two concurrency groups in @ray.remote: "health" with 1 slot and
# "work" with 2 slots (keep num_cpus=0).
@ray.remote(num_cpus=0)
class Service:
    """A sync (threaded) actor in front of a slow, blocking service: heavy calls must not stop
    the health check from answering."""

    def __init__(self, service):
        self.service = service
        self.working = 0  # heavy calls in progress right now
        self.lock = threading.Lock()  # heavy calls run in several threads at once

    # TODO: run heavy in the "work" group (a @ray.method(...) decorator).
    def heavy(self, item):
        """Blocking work: return service.call(item), counting it in self.working while it
        runs (even if it fails)."""
        # TODO: add 1 to self.working (under self.lock), return self.service.call(item), and
        # take the 1 away again when the call ends, however it ends.
        todo("count the call in self.working, return self.service.call(item), uncount it")

    # TODO: run health in the "health" group (a @ray.method(...) decorator).
    def health(self) -> dict:
        """Answer at once, even while every work slot is busy."""
        # TODO: return {"status": "ok", "working": <heavy calls in progress>}.
        todo('return {"status": "ok", "working": self.working}')
