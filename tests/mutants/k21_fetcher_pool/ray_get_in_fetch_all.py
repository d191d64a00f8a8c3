"""Mutant: fetch_all sends every call at once, round-robin, then waits for them with a blocking
ray.get: the results are right, but the event loop it runs on is frozen for the whole crawl."""

from types import FunctionType

import ray

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "loop-stays-free"
SAYS = ("ray.get",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    calls = [pool[i % len(pool)].fetch.remote(url) for i, url in enumerate(urls)]
    return dict(zip(urls, ray.get(calls), strict=True))  # the mistake: blocks the loop


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
