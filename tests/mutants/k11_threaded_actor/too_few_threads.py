"""Mutant: a threaded actor, but with max_concurrency=4. Four calls run at once; the other
four wait for a free thread."""

import ray

from solutions.k11_threaded_actor import kata as solution
from solutions.k11_threaded_actor.kata import *  # the solution, but with 4 threads
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution
from tests.variant_tools import rebuilt

BREAKS = "serves-eight-at-once"
SAYS = ("max_concurrency is 4",)

# the mistake: 4 threads, for 8 calls at once
LegacyClient = ray.remote(num_cpus=0, max_concurrency=4)(_Solution.__ray_actor_class__)
make_client = rebuilt(solution.make_client, globals())  # it makes the LegacyClient above
