"""Mutant: right `fetch` (legacy_fetch on a thread), and max_concurrency sized for the README's
5 slow calls plus one slot for ping (6). With more fetch calls waiting than that, they take
every slot and ping() queues. (The parameter audit: the ping test held exactly 5.)"""

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, with a cap on calls
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "ping-answers-while-calls-wait"
SAYS = ("max_concurrency (6)",)

Gateway = ray.remote(num_cpus=0, max_concurrency=6)(_Solution.__ray_actor_class__)
