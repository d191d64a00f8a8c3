"""Mutant: a plain sync actor with no max_concurrency. Right replies, but Ray gives a sync
actor one call at a time, so the 8 calls queue up behind each other."""

import ray

from solutions.k11_threaded_actor.kata import *  # the solution, but without max_concurrency
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution

BREAKS = "serves-eight-at-once"
SAYS = ("one call at a time", "max_concurrency")

LegacyClient = ray.remote(num_cpus=0)(_Solution.__ray_actor_class__)


def make_client():  # the solution's own make_client would create the solution's class
    return LegacyClient.remote()
