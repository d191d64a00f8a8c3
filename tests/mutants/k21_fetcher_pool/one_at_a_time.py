"""Mutant: the driver awaits each fetch before sending the next. The pool and the limits are
there, but only one request is ever in flight."""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "the-pool-fills"
SAYS = ("one fetch at a time",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    results = {}
    for i, url in enumerate(urls):
        results[url] = await pool[i % len(pool)].fetch.remote(url)  # the mistake: one by one
    return results


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
