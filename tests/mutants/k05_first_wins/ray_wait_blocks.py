"""Mutant: `ray.wait` inside the coroutine. Every replica is asked at once, the first answer
wins and the losers are cancelled, but `ray.wait(refs, num_returns=1)` blocks the whole
thread until a ref is ready: the event loop freezes, and every other coroutine of the
program (other users' requests) stands still while this one waits."""

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.wait")


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    ready, not_ready = ray.wait(refs, num_returns=1)
    for ref in not_ready:
        ray.cancel(ref)
    return await ready[0]
