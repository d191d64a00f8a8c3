"""Mutant: sleeps after every failed attempt, the last one too, and only then gives up. The
caller waits a whole backoff (up to `cap`) for nothing. (Written as the reference loop
followed by that last wait: the same behaviour.)"""

import asyncio

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for fetch_with_retries

BREAKS = "at-most-attempts"
SAYS = ("after the last attempt",)


async def fetch_with_retries(fetch: Fetch, url: str, *, sleep: Sleep = asyncio.sleep, **options):
    result = await solution.fetch_with_retries(fetch, url, sleep=sleep, **options)
    if (result.detail or "").startswith("gave up after"):  # it ran out of attempts
        await sleep(options.get("cap", 10.0))  # the mistake: one more wait, that nobody uses
    return result
