"""Mutant: the time limit is the `timeout` argument plus a second of grace ("to be safe"): a
page slower than the limit the caller set is still waited for. (The parameter audit: the
only time limit that fired allowed 1.5 s past it.)"""

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page

BREAKS = "time-limit-is-the-argument"
SAYS = ("grace period",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    return await solution.fetch_page(session, url, timeout + 1.0)  # the mistake: + 1 s
