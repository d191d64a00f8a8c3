"""Mutant: returns the first answer but never calls `ray.cancel`. It even cancels the asyncio
wrappers of the losers, which looks tidy but only stops the waiting in this process: the Ray
tasks keep running on their workers until the slow replicas finish their (wasted) work."""

import asyncio

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "cancels-the-losers"
SAYS = ("ray.cancel",)


async def first_answer(replicas: list, query: str) -> str:
    waiting = [asyncio.ensure_future(ask.remote(replica, query)) for replica in replicas]
    done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    for wrapper in pending:
        wrapper.cancel()  # asyncio cancellation never reaches Ray
    return done.pop().result()
