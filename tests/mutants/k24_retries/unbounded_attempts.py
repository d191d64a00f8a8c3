"""Mutant: `while True` until the answer is not worth retrying. `attempts` is never checked,
so a URL that answers 503 for ever is asked for ever (every `cap` seconds), and the fetch
never returns. (Written as the reference loop handed no limit: the same behaviour.)"""

import sys

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for fetch_with_retries

BREAKS = "at-most-attempts"
SAYS = ("no end",)


async def fetch_with_retries(fetch: Fetch, url: str, *, attempts: int = 4, **options):
    # the mistake: `attempts` is never checked, as in a `while True` loop
    return await solution.fetch_with_retries(fetch, url, attempts=sys.maxsize, **options)
