"""Mutant: the URLs go out in waves of actors x limit, and each wave is awaited before the next:
the limits hold, but every wave waits for its slowest page while the other slots sit idle."""

import asyncio
from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "no-waves"
SAYS = ("waves",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    results = {}
    wave = len(pool) * limit
    for start in range(0, len(urls), wave):  # the mistake: each wave awaited before the next
        batch = urls[start : start + wave]
        calls = [pool[i % len(pool)].fetch.remote(url) for i, url in enumerate(batch)]
        results.update(zip(batch, await asyncio.gather(*calls), strict=True))
    return results


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
