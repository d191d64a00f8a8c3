"""Mutant: a threaded actor, but with max_concurrency=4. Four calls run at once; the other
four wait for a free thread."""

import ray

from solutions.k11_threaded_actor.kata import *  # the solution, but with 4 threads
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution

BREAKS = "serves-eight-at-once"
SAYS = ("max_concurrency is 4",)

LegacyClient = ray.remote(num_cpus=0, max_concurrency=4)(_Solution.__ray_actor_class__)


def make_client():  # the solution's own make_client would create the solution's class
    return LegacyClient.remote()
