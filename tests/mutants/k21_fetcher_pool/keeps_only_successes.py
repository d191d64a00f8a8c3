"""Mutant: only successful fetches are returned; 404s and connection errors vanish from the
results, so the crawl cannot report, retry or skip them."""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "a-result-per-url"
SAYS = ("failed fetches",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    results = await solution._share(pool, urls, limit)
    return {url: r for url, r in results.items() if r.ok}  # the mistake


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
