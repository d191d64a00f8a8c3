"""Kata 14 · Concurrency groups: reference solution."""

import ray

from katas.k14_concurrency_groups.kata import Service as _Given


# Two groups, two separate pools of threads: at most 2 heavy calls run at once (the service
# allows no more), and the health check has a thread of its own that heavy calls can never
# take, so it answers even while both work slots are busy and more heavy calls queue up.
# (The class extends the stub's, whose __init__ is given: `__ray_actor_class__` is the plain
# class behind a @ray.remote one.)
@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Given.__ray_actor_class__):
    """A sync (threaded) actor in front of a slow, blocking service: heavy calls must not stop
    the health check from answering."""

    @ray.method(concurrency_group="work")
    def heavy(self, item):
        """Blocking work: return service.call(item), counting it in self.working while it
        runs (even if it fails)."""
        # Groups of a sync actor are thread pools: `+=` from two threads needs the lock.
        with self.lock:
            self.working += 1
        try:
            return self.service.call(item)
        finally:
            with self.lock:
                self.working -= 1

    @ray.method(concurrency_group="health")
    def health(self) -> dict:
        """Answer at once, even while every work slot is busy."""
        return {"status": "ok", "working": self.working}
