"""Mutant: counts the retries, not the attempts: `attempts=4` makes 5 requests (the first
try plus 4 retries). One more request than the caller allowed, to a host that is failing.
(Written as the reference loop handed one attempt more: the same behaviour.)"""

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for fetch_with_retries

BREAKS = "at-most-attempts"
SAYS = ("off-by-one",)


async def fetch_with_retries(fetch: Fetch, url: str, *, attempts: int = 4, **options):
    # the mistake: a first try, then `attempts` retries
    return await solution.fetch_with_retries(fetch, url, attempts=attempts + 1, **options)
