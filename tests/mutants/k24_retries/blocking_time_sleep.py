"""Mutant: waits with time.sleep(seconds) instead of the `sleep` it was given. The waits are
right, but they freeze the event loop: in a fetcher actor every other fetch stops while one
URL backs off. (Written as the reference loop handed a blocking sleep: the same behaviour.)"""

import time

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import fetch_with_retries as reference

BREAKS = "waits-with-the-given-sleep"
SAYS = ("time.sleep", "froze")


async def _blocking(seconds: float) -> None:
    time.sleep(seconds)  # the mistake: the event loop's thread sleeps


async def fetch_with_retries(fetch: Fetch, url: str, **options) -> FetchResult:
    return await reference(fetch, url, **{**options, "sleep": _blocking})
