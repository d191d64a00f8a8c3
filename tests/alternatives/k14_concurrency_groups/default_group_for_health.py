"""Alternative: only the work gets a named group; health stays in the actor's default group,
which is a separate pool of its own (one thread for a sync actor). Must pass."""

import threading

import ray


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

    def health(self) -> dict:
        return {"status": "ok", "working": self.working}
