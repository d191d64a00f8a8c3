"""Mutant: does the date arithmetic inside a try. For a date without a zone,
parsedate_to_datetime gives a naive datetime; naive minus aware raises TypeError, which the
except takes for nonsense: the server's date is ignored."""

from datetime import datetime

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _seconds_until
from tests.variant_tools import rebuilt

BREAKS = "date-without-a-zone-is-gmt"
SAYS = ("naive",)


def _seconds_until(when: datetime, now: datetime) -> float | None:
    try:  # the mistake: a naive date raises TypeError here, and is taken for nonsense
        return max(0.0, (when - now).total_seconds())
    except TypeError:
        return None


# The solution's parse_retry_after, rebuilt over this module's names: it calls the one above.
parse_retry_after = rebuilt(solution.parse_retry_after, globals())
