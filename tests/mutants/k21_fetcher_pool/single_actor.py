"""Mutant: `actors` ignored: one Fetcher does all the work, K requests at a time."""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _start
from solutions.k21_fetcher_pool.kata import _close, _share  # noqa: F401  (read by fetch_all)

BREAKS = "exactly-actors-fetchers"
SAYS = ("`actors` ignored",)


def _start(site, hits, actors: int, limit: int) -> list:
    return [Fetcher.remote(site, hits, limit)]  # the mistake: one, whatever `actors` says


# The solution's fetch_all, rebuilt over this module's names: it calls the _start above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
