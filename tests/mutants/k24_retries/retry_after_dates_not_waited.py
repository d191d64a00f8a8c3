"""Mutant: the loop reads Retry-After itself, and only the seconds form: a server that
answers with an HTTP-date gets its retry after the backoff alone, long before the date."""

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _retry_after
from solutions.k24_retries.kata import _gave_up, _reason, _wait_before  # noqa: F401  (the loop's)
from tests.variant_tools import rebuilt

BREAKS = "retry-after-dates-are-waited-for"
SAYS = ("HTTP-date form",)


def _retry_after(result: FetchResult) -> float | None:
    value = (result.header("Retry-After") or "").strip()
    return float(value) if value.isdigit() else None  # the mistake: a date is never waited for


# The solution's loop, rebuilt over this module's names: it calls the _retry_after above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
