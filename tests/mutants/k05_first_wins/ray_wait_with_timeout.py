"""Mutant: `ray.wait` with a timeout, polled in a loop. The timeout feels like it keeps the
coroutine responsive, but each `ray.wait` call still blocks the thread for up to its timeout:
the event loop freezes for seconds at a time."""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.wait")


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    while True:
        ready, not_ready = ray.wait(refs, num_returns=1, timeout=2.0)
        if ready:
            break
        await asyncio.sleep(0)  # "let the others run" between polls
    for ref in not_ready:
        ray.cancel(ref)
    return await ready[0]
