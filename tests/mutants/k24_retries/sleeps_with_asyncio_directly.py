"""Mutant: waits with asyncio.sleep directly, ignoring the `sleep` it was given. Nothing
blocks, but the tests (and a caller that wants to see or shorten the waits) are bypassed:
every test of the waits now takes real time. (Written as the reference loop handed
asyncio.sleep: the same behaviour.)"""

import asyncio

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import fetch_with_retries as reference

BREAKS = "waits-with-the-given-sleep"
SAYS = ("asyncio.sleep called directly",)


async def fetch_with_retries(fetch: Fetch, url: str, **options) -> FetchResult:
    return await reference(fetch, url, **{**options, "sleep": asyncio.sleep})  # the mistake
