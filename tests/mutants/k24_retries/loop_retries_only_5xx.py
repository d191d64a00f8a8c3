"""Mutant: the loop decides with a test of its own, "is it a 5xx?", instead of
is_retryable(result): a timeout, a refused or reset connection and a 429 are returned at
once, as if they were final. (is_retryable itself is the solution's, and right.)"""

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for the loop's test
from solutions.k24_retries.kata import _gave_up, _reason, _retry_after, _wait_before  # noqa: F401
from tests.variant_tools import rebuilt

BREAKS = "retries-transient-failures"
SAYS = ("timeout was not retried",)


def _is_a_5xx(result: FetchResult) -> bool:
    return (result.status or 0) >= 500  # the mistake: only server errors are retried


# The solution's loop, rebuilt over this module's names with _is_a_5xx as its is_retryable.
fetch_with_retries = rebuilt(solution.fetch_with_retries, {**globals(), "is_retryable": _is_a_5xx})
