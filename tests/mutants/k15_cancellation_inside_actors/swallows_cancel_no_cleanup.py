"""Mutant: catches CancelledError and returns None, without giving the lease back. The
caller still sees TaskCancelledError (Ray reports the cancellation whatever the method does),
so only the lease count shows the leak."""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but two mistakes
from tests.mutants.k15_cancellation_inside_actors import leaks_on_cancel, swallows_cancel

BREAKS = "gives-the-lease-back-on-cancel"
SAYS = ("except asyncio.CancelledError",)


# Two mistakes in one use(): swallows_cancel's `except asyncio.CancelledError: return None`
# around leaks_on_cancel's use, which gives the lease back only in `except Exception:` and
# after the call. (Python's method order: swallows_cancel's use, then leaks_on_cancel's.)
@ray.remote(num_cpus=0)
class Pool(swallows_cancel.Pool.__ray_actor_class__, leaks_on_cancel.Pool.__ray_actor_class__):
    pass
