"""Alternative: no finally; give the lease back in an except clause that catches everything
(cancellation included, BaseException), then re-raise, and once more on the success path.
Must pass. (The mutants leaks_on_cancel and leaks_on_failure are this answer with another
RELEASED_ON.)"""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but no finally
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    RELEASED_ON = BaseException  # what the except clause catches: CancelledError included

    async def use(self, service, item):
        self.leased += 1
        try:
            reply = await service.acall(item)
        except self.RELEASED_ON:
            self.leased -= 1
            raise
        self.leased -= 1
        return reply
