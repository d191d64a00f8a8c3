"""Mutant: Retry-After is never read; every retry waits only its backoff. The server said
when it would be ready, and the retry comes back before that to be refused again."""

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _retry_after
from solutions.k24_retries.kata import _gave_up, _reason, _wait_before  # noqa: F401  (the loop's)
from tests.variant_tools import rebuilt

BREAKS = "waits-what-retry-after-asks"
SAYS = ("ignoring Retry-After",)


def _retry_after(result: FetchResult) -> float | None:
    return None  # the mistake: the header is never read


# The solution's loop, rebuilt over this module's names: it calls the _retry_after above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
