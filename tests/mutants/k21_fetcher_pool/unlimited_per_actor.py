"""Mutant: no limit in the fetcher. An async actor runs every call it receives at once, so
round-robin hands each fetcher 20 URLs and all 20 hit the server together."""

import asyncio
from types import FunctionType

import ray

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for Fetcher.fetch and _share
from solutions.k21_fetcher_pool.kata import _close  # noqa: F401  (read by fetch_all)

BREAKS = "at-most-k-per-fetcher"
SAYS = ("Semaphore", "max_concurrency")


@ray.remote(num_cpus=0)
class Fetcher(solution.Fetcher.__ray_actor_class__):  # the solution's class, under @ray.remote
    async def fetch(self, url: str) -> FetchResult:
        return await fetch_page(self._session(), url, FETCH_TIMEOUT)  # the mistake: no limit


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    calls = [pool[i % len(pool)].fetch.remote(url) for i, url in enumerate(urls)]
    return dict(zip(urls, await asyncio.gather(*calls), strict=True))


# The solution's _start and fetch_all, rebuilt over this module's names: they use the Fetcher
# and the _share above.
_start = FunctionType(solution._start.__code__, globals())
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
