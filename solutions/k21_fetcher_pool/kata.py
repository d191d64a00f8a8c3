"""Kata 21 · Fetcher pool: reference solution.

The given code (fetch_page, FETCH_TIMEOUT, FetcherBase) is imported from the kata's stub: it
exists once."""

import asyncio

import ray

from dojo.crawl.result import FetchResult
from dojo.web import Site
from katas.k21_fetcher_pool.kata import FETCH_TIMEOUT, FetcherBase, fetch_page


@ray.remote(num_cpus=0)
class Fetcher(FetcherBase):
    """One fetching process: at most `limit` requests in flight through it."""

    def __init__(self, site: Site, hits, limit: int):
        super().__init__(site, hits, limit)
        # One semaphore per actor, made here: each fetcher admits `limit` fetches at a time,
        # and the rest wait on this actor's event loop (not in the driver, not at the server).
        self._slots = asyncio.Semaphore(limit)

    async def fetch(self, url: str) -> FetchResult:
        """Fetch one URL, with at most `limit` fetches in flight on this actor."""
        async with self._slots:
            return await fetch_page(self._session(), url, FETCH_TIMEOUT)


async def fetch_all(urls: list[str], site: Site, hits, actors: int, limit: int) -> dict:
    """Fetch every URL once with a pool of `actors` Fetchers, `limit` in flight on each;
    return {url: FetchResult}."""
    pool = _start(site, hits, actors, limit)
    try:
        return await _share(pool, urls, limit)
    finally:
        await _close(pool)


def _start(site: Site, hits, actors: int, limit: int) -> list:
    return [Fetcher.remote(site, hits, limit) for _ in range(actors)]


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    """A shared work list: `limit` workers per fetcher in the driver, each taking the next URL
    as soon as its last one is done. Each worker has one call in flight, so each fetcher has
    `limit`; a fetcher that is slow (late to start, slow pages) simply takes fewer URLs, where
    round-robin would make the others wait for its fixed share."""
    todo = iter(urls)  # consumed by every worker on this one event loop: no lock needed
    results: dict[str, FetchResult] = {}

    async def worker(fetcher) -> None:
        for url in todo:
            results[url] = await fetcher.fetch.remote(url)

    await asyncio.gather(*(worker(f) for f in pool for _ in range(limit)))
    return results


async def _close(pool: list) -> None:
    # Let every fetcher close its session and send its last hit events, then free the
    # processes (a kill lands at once: it would cut a close() still under way).
    await asyncio.gather(*(f.close.remote() for f in pool), return_exceptions=True)
    for fetcher in pool:
        ray.kill(fetcher)
