"""Mutant: a catch-all `except BaseException` (here: asyncio.CancelledError) turns a
cancellation into a record. Whoever cancelled the fetch (a crawl shutting down, a caller's
own time limit) sees it finish normally, and the cancelled crawl goes on."""

import asyncio

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page
from solutions.k19_fetch_a_page.kata import _describe, _failed

BREAKS = "cancellation-goes-through"
SAYS = ("CancelledError",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    try:
        return await solution.fetch_page(session, url, timeout)
    except asyncio.CancelledError as error:  # the mistake: a cancellation is not a failure
        return _failed(url, "other", _describe(error))
