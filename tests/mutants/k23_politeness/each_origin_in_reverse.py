"""Mutant: the coroutines are started last URL first (and the results put back in order):
each origin's pages are fetched in the reverse of the order given, so a crawl that lists a
site's most important pages first gets them last."""

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import polite_fetch_all as reference

BREAKS = "each-origin-in-the-order-given"
SAYS = ("out of order",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    results = await reference(urls[::-1], fetch, delay)  # the mistake: last URL first
    return results[::-1]
