"""Mutant: gives the lease back after the call and in `except Exception:`, but not in a
`finally`. CancelledError is a BaseException, not an Exception: a cancelled call skips both
and keeps its lease for ever (a failed one gives it back)."""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but no finally
from tests.alternatives.k15_cancellation_inside_actors import release_and_reraise

BREAKS = "gives-the-lease-back-on-cancel"
SAYS = ("except Exception", "finally")


# The alternative that gives the lease back in `except RELEASED_ON:` and after the call, with
# too narrow an except clause.
@ray.remote(num_cpus=0)
class Pool(release_and_reraise.Pool.__ray_actor_class__):
    RELEASED_ON = Exception  # the mistake: CancelledError is a BaseException, not an Exception
