"""Mutant: the fetchers are closed but never killed, and the pool is kept in a module-level
list (a cache "for next time"): the actors outlive fetch_all. (Dropping every handle would
let Ray end them; keeping one keeps them running for as long as the driver lives.)"""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _close
from solutions.k21_fetcher_pool.kata import _share, _start  # noqa: F401  (read by fetch_all)

BREAKS = "fetchers-closed"
SAYS = ("never killed",)

_KEPT: list = []


async def _close(pool: list) -> None:
    await asyncio.gather(*(fetcher.close.remote() for fetcher in pool))
    _KEPT.extend(pool)  # the mistake: no ray.kill, and the handles kept


# The solution's fetch_all, rebuilt over this module's names: it calls the _close above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
