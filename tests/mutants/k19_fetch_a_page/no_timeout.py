"""Mutant: no time limit of its own. aiohttp's ClientTimeout is not applied to mocked calls
(and is easily forgotten on real ones): a page that takes 30 s to answer holds the fetch for
30 s."""

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page

BREAKS = "slow-page-times-out"
SAYS = ("time limit",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    return await solution.fetch_page(session, url, None)  # the mistake: `timeout` not applied
