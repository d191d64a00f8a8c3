"""Mutant: no concurrency groups at all. A sync actor runs one call at a time by default, so
the health check queues behind the heavy calls (and only one heavy call runs at a time)."""

import threading

import ray

REJECTED_BY = "test_health_answers_while_work_is_saturated"


@ray.remote(num_cpus=0)
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
