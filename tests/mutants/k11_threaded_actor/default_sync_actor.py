"""Mutant: a plain sync actor with no max_concurrency. Right replies, but Ray gives a sync
actor one call at a time, so the 8 calls queue up behind each other."""

import ray

from solutions.k11_threaded_actor import kata as solution
from solutions.k11_threaded_actor.kata import *  # the solution, but without max_concurrency
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution
from tests.variant_tools import rebuilt

BREAKS = "serves-eight-at-once"
SAYS = ("one call at a time", "max_concurrency")

# the mistake: no max_concurrency, so the actor runs one call at a time
LegacyClient = ray.remote(num_cpus=0)(_Solution.__ray_actor_class__)
make_client = rebuilt(solution.make_client, globals())  # it makes the LegacyClient above
