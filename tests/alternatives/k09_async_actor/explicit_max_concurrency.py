"""Alternative: the async actor sets `max_concurrency` explicitly (64, instead of Ray's
default of 1000 for async actors). Enough room for 20 calls at once, so it must pass."""

import ray

from solutions.k09_async_actor.kata import *  # the solution, declared with other options
from solutions.k09_async_actor.kata import Fetcher as _Solution

Fetcher = ray.remote(num_cpus=0, max_concurrency=64)(_Solution.__ray_actor_class__)
