"""Alternative: the plainest driver: the solution's Fetcher (a Semaphore(limit) in each), and
every URL sent at once, round-robin over the pool, the results gathered in order."""

import asyncio
from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    calls = [pool[i % len(pool)].fetch.remote(url) for i, url in enumerate(urls)]
    return dict(zip(urls, await asyncio.gather(*calls), strict=True))


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
