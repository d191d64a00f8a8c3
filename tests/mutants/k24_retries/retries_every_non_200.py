"""Mutant: the loop retries every answer that is not a 200: a 404 (and a 403, a 410, a bad
URL) is asked `attempts` times, with backoff in between, for an answer that cannot change.
(is_retryable itself is the solution's, and right: the loop does not ask it.)"""

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for the loop's test
from solutions.k24_retries.kata import _gave_up, _reason, _retry_after, _wait_before  # noqa: F401
from tests.variant_tools import rebuilt

BREAKS = "returns-final-answers-at-once"
SAYS = ("not a 200",)


def _not_a_200(result: FetchResult) -> bool:
    return result.status != 200  # the mistake: everything else is retried


# The solution's loop, rebuilt over this module's names with _not_a_200 as its is_retryable.
fetch_with_retries = rebuilt(solution.fetch_with_retries, {**globals(), "is_retryable": _not_a_200})
