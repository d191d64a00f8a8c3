"""Mutant: the lease count is set (1 when a call starts, 0 when it ends) instead of counted:
right for one call at a time, wrong for two at once. (A README-only round: the rules spoke of
one call only.)"""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but for Pool
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "holds-a-lease-while-running"
SAYS = ("set instead of counted",)


class _SetCount(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased = 1  # the mistake: set, not added to
        try:
            return await service.acall(item)
        finally:
            self.leased = 0


Pool = ray.remote(num_cpus=0)(_SetCount)
