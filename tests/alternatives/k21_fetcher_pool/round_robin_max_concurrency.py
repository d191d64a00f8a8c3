"""Alternative: no semaphore: each Fetcher is created with max_concurrency=limit, so Ray runs
at most `limit` of its calls at once; the driver sends every URL at once, round-robin."""

import asyncio

import ray

from solutions.k21_fetcher_pool.kata import *  # the solution, but for Fetcher and fetch_all
from solutions.k21_fetcher_pool.kata import _close


@ray.remote(num_cpus=0)
class Fetcher(FetcherBase):
    async def fetch(self, url: str) -> FetchResult:
        return await fetch_page(self._session(), url, FETCH_TIMEOUT)


async def fetch_all(urls: list[str], site, hits, actors: int, limit: int) -> dict:
    pool = [Fetcher.options(max_concurrency=limit).remote(site, hits, limit) for _ in range(actors)]
    try:
        calls = [pool[i % actors].fetch.remote(url) for i, url in enumerate(urls)]
        return dict(zip(urls, await asyncio.gather(*calls), strict=True))
    finally:
        await _close(pool)
