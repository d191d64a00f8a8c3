"""Mutant: the list is cut into one slice per fetcher with an off-by-one: each slice ends one
URL too far, so the first URL of every next slice is fetched twice."""

import asyncio
from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "every-url-fetched-once"
SAYS = ("exactly one fetcher",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    size = -(-len(urls) // len(pool))
    shares = [urls[i * size : (i + 1) * size + 1] for i in range(len(pool))]  # the mistake: +1
    parts = await asyncio.gather(
        *(solution._share([f], share, limit) for f, share in zip(pool, shares, strict=True))
    )
    return {url: result for part in parts for url, result in part.items()}


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
