"""Mutant: right `fetch` (legacy_fetch on a thread), but the actor is created with
max_concurrency equal to the number of blocking calls the test holds (5). Every slot is then
taken by a waiting fetch, and ping() queues for a free one: max_concurrency counts every
call, ping included."""

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, with a cap on calls
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "ping-answers-while-calls-wait"
SAYS = ("max_concurrency",)

Gateway = ray.remote(num_cpus=0, max_concurrency=5)(_Solution.__ray_actor_class__)
