"""Mutant: the fetchers are killed without being closed: their HTTP sessions are never
closed (aiohttp warns "Unclosed client session", connections drop mid-way)."""

from types import FunctionType

import ray

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _close
from solutions.k21_fetcher_pool.kata import _share, _start  # noqa: F401  (read by fetch_all)

BREAKS = "fetchers-closed"
SAYS = ("close()",)


async def _close(pool: list) -> None:
    for fetcher in pool:
        ray.kill(fetcher)  # the mistake: no close() first


# The solution's fetch_all, rebuilt over this module's names: it calls the _close above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
