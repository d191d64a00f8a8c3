"""Mutant: gives the lease back after a finished call and on cancellation, but not when the
service raises: every failed call keeps its lease."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but no finally
from tests.alternatives.k15_cancellation_inside_actors import release_and_reraise

BREAKS = "gives-the-lease-back-when-done"
SAYS = ("raises", "finally")


# The alternative that gives the lease back in `except RELEASED_ON:` and after the call, with
# the wrong except clause.
@ray.remote(num_cpus=0)
class Pool(release_and_reraise.Pool.__ray_actor_class__):
    RELEASED_ON = asyncio.CancelledError  # the mistake: the service's errors are not caught
