"""Mutant: each fetcher's limit is the README's 4, written as a number, not the `limit` it is
created with, and the driver sends every URL at once round-robin (so the fetcher's own limit is
the only one). Written from the README alone, it passed every test of the main run, whose
limit is 4."""

from solutions.k21_fetcher_pool.kata import *  # the solution, but for Fetcher and fetch_all
from solutions.k21_fetcher_pool.kata import _close

BREAKS = "at-most-k-per-fetcher"
SAYS = ("written as a number instead of read from `limit`",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    def __init__(self, site, hits, limit: int):
        super().__init__(site, hits, 4)  # the mistake: 4, whatever `limit` says


async def fetch_all(urls: list[str], site, hits, actors: int, limit: int) -> dict:
    pool = [Fetcher.remote(site, hits, limit) for _ in range(actors)]
    try:
        pages = await asyncio.gather(
            *(pool[i % actors].fetch.remote(url) for i, url in enumerate(urls))
        )
        return dict(zip(urls, pages, strict=True))
    finally:
        await _close(pool)
