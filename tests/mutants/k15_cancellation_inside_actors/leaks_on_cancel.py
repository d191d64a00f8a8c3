"""Mutant: gives the lease back after the call and in `except Exception:`, but not in a
`finally`. CancelledError is a BaseException, not an Exception: a cancelled call skips both
and keeps its lease for ever (a failed one gives it back)."""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but no finally
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "gives-the-lease-back-on-cancel"
SAYS = ("except Exception", "finally")


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            reply = await service.acall(item)
        except Exception:
            self.leased -= 1
            raise
        self.leased -= 1
        return reply
