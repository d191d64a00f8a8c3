"""Mutant: a time limit of its own (1 s, "sensible for a web page") instead of the `timeout`
argument. (The parameter audit: a fixed limit between 0.4 s and 1.8 s passed.)"""

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page

BREAKS = "time-limit-is-the-argument"
SAYS = ("`timeout` argument",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    return await solution.fetch_page(session, url, 1.0)  # the mistake: not the argument
