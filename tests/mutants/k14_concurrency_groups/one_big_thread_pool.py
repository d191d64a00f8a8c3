"""Mutant: no groups, one big pool of threads (max_concurrency=8). Health always finds a free
thread, but nothing limits the heavy calls: all of them hit the service at once."""

import threading

import ray

REJECTED_BY = "test_work_group_runs_at_most_two_heavy_calls"


@ray.remote(num_cpus=0, max_concurrency=8)
class Service:
    def __init__(self, service):
        self.service = service
        self.working = 0
        self.lock = threading.Lock()

    def heavy(self, item):
        with self.lock:
            self.working += 1
        try:
            return self.service.call(item)
        finally:
            with self.lock:
                self.working -= 1

    def health(self) -> dict:
        return {"status": "ok", "working": self.working}
