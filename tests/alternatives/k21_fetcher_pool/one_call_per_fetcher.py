"""Alternative: one Ray call per fetcher: each gets its share of the URLs (every N-th) in a
`fetch_many` call and fans out inside the actor, where the solution's Semaphore(limit) holds
the line."""

import asyncio
from types import FunctionType

import ray

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for Fetcher and _share
from solutions.k21_fetcher_pool.kata import _close  # noqa: F401  (read by fetch_all)


@ray.remote(num_cpus=0)
class Fetcher(solution.Fetcher.__ray_actor_class__):  # the solution's class, under @ray.remote
    async def fetch_many(self, urls: list[str]) -> list[FetchResult]:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self.fetch(url)) for url in urls]
        return [task.result() for task in tasks]


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    shares = [urls[i :: len(pool)] for i in range(len(pool))]
    answers = await asyncio.gather(
        *(fetcher.fetch_many.remote(share) for fetcher, share in zip(pool, shares, strict=True))
    )
    return {
        url: result
        for share, results in zip(shares, answers, strict=True)
        for url, result in zip(share, results, strict=True)
    }


# The solution's _start and fetch_all, rebuilt over this module's names: they use the Fetcher
# and the _share above.
_start = FunctionType(solution._start.__code__, globals())
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
