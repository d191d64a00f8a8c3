"""Mutant: results keyed by where each answer came from (result.final_url), not by the URL
asked for: a redirected URL goes missing under its own name."""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _share
from solutions.k21_fetcher_pool.kata import _close, _start  # noqa: F401  (read by fetch_all)

BREAKS = "a-result-per-url"
SAYS = ("final_url",)


async def _share(pool: list, urls: list[str], limit: int) -> dict:
    results = await solution._share(pool, urls, limit)
    return {r.final_url: r for r in results.values()}  # the mistake


# The solution's fetch_all, rebuilt over this module's names: it calls the _share above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
