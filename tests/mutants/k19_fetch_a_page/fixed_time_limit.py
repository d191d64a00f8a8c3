"""Mutant: the time limit is a constant of its own, not the `timeout` argument: a page that
answers in 1.2 s is given up as a timeout although the caller allowed 3 s."""

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page

BREAKS = "time-limit-is-the-argument"
SAYS = ("`timeout` argument",)

TIME_LIMIT = 0.25  # the mistake: used instead of the argument


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    return await solution.fetch_page(session, url, TIME_LIMIT)
