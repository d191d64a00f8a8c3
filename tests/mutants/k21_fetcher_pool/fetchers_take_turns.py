"""Mutant: each fetcher gets its share of the URLs, but the driver awaits one fetcher's share
before the next fetcher gets its own: K requests in flight at a time, never N x K."""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "the-pool-fills"
SAYS = ("took turns",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    results = {}
    for i, fetcher in enumerate(pool):  # the mistake: one fetcher after the other
        results |= await solution._share([fetcher], urls[i :: len(pool)], limit)
    return results


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
