"""Alternative: the class is declared without max_concurrency, and the factory sets it per
actor with `.options(max_concurrency=16)` (more threads than needed is fine)."""

import ray

from solutions.k11_threaded_actor.kata import *  # the solution, but for make_client
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution

LegacyClient = ray.remote(num_cpus=0)(_Solution.__ray_actor_class__)


def make_client():
    return LegacyClient.options(max_concurrency=16).remote()
