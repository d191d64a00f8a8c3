"""Alternative (passes, not recommended): the count is updated without self.lock. Two heavy
threads could in principle interleave inside `+=`, but CPython practically never switches
threads there, so no test can provoke the lost update: the README says the lock is not
checked, and this shows that such an answer passes."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but heavy without the lock
from solutions.k14_concurrency_groups.kata import Service as _Solution


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def heavy(self, item):
        self.working += 1
        try:
            return self.service.call(item)
        finally:
            self.working -= 1
