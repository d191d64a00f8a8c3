"""Alternative: wrap each ref as `asyncio.wrap_future(ref.future())` (instead of
ensure_future) for asyncio.wait, and keep the refs in a list side by side with the futures.
Cancelling a loser's future too keeps asyncio from logging "exception was never retrieved"
once Ray reports the loser as cancelled."""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    futures = [asyncio.wrap_future(ref.future()) for ref in refs]
    done, _ = await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
    for ref, future in zip(refs, futures, strict=True):
        if future not in done:
            ray.cancel(ref)
            future.cancel()
    return done.pop().result()
