"""Mutant: "now" is `datetime.now()`, a naive local time. An HTTP-date is aware (GMT), and
naive minus aware raises TypeError: the first server to send a date crashes the fetch."""

from datetime import datetime

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _retry_after
from solutions.k24_retries.kata import _gave_up, _reason, _wait_before  # noqa: F401  (the loop's)
from tests.variant_tools import rebuilt

BREAKS = "retry-after-dates-are-waited-for"
SAYS = ("datetime.now(UTC)",)


def _retry_after(result: FetchResult) -> float | None:
    return parse_retry_after(result.header("Retry-After"), datetime.now())  # the mistake: naive


# The solution's loop, rebuilt over this module's names: it calls the _retry_after above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
