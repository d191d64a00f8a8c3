"""Mutant: one group of 2 threads for everything. The work limit holds, but the health check
shares the work slots, so it waits until a heavy call frees one."""

import threading

import ray

REJECTED_BY = "test_health_answers_while_work_is_saturated"


@ray.remote(num_cpus=0, concurrency_groups={"work": 2})
class Service:
    def __init__(self, service):
        self.service = service
        self.working = 0
        self.lock = threading.Lock()

    @ray.method(concurrency_group="work")
    def heavy(self, item):
        with self.lock:
            self.working += 1
        try:
            return self.service.call(item)
        finally:
            with self.lock:
                self.working -= 1

    @ray.method(concurrency_group="work")
    def health(self) -> dict:
        return {"status": "ok", "working": self.working}
