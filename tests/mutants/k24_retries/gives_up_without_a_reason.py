"""Mutant: gives up with the last answer as it is: the crawl's report then shows a bare 503
(or timeout), with no word that it was tried `attempts` times (or that its Retry-After was
too long)."""

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _gave_up
from solutions.k24_retries.kata import _reason, _retry_after, _wait_before  # noqa: F401
from tests.variant_tools import rebuilt

BREAKS = "gives-up-with-the-reason"
SAYS = ("without the reason",)


def _gave_up(result: FetchResult, why: str) -> FetchResult:
    return result  # the mistake: the reason never makes it into the detail


# The solution's loop, rebuilt over this module's names: it calls the _gave_up above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
