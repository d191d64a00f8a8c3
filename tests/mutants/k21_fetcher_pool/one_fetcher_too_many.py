"""Mutant: an off-by-one creates `actors + 1` Fetchers: the pool is bigger than asked, and
the cluster runs a process more than it was given."""

from types import FunctionType

from solutions.k21_fetcher_pool import kata as solution
from solutions.k21_fetcher_pool.kata import *  # the solution, but for _start
from solutions.k21_fetcher_pool.kata import _close, _share  # noqa: F401  (read by fetch_all)

BREAKS = "exactly-actors-fetchers"
SAYS = ("`actors` ignored",)


def _start(site, hits, actors: int, limit: int) -> list:
    return [Fetcher.remote(site, hits, limit) for _ in range(actors + 1)]  # the mistake


# The solution's fetch_all, rebuilt over this module's names: it calls the _start above.
fetch_all = FunctionType(solution.fetch_all.__code__, globals())
