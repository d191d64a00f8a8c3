"""Mutant: counts an HTTP-date with timestamps, `when.timestamp() - now.timestamp()`. For a
date without a zone, parsedate_to_datetime gives a naive datetime, and timestamp() reads it
as the machine's LOCAL time: right on a server set to UTC, hours off anywhere else."""

from datetime import datetime

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _seconds_until
from tests.variant_tools import rebuilt

BREAKS = "date-without-a-zone-is-gmt"
SAYS = ("local time",)


def _seconds_until(when: datetime, now: datetime) -> float:
    return max(0.0, when.timestamp() - now.timestamp())  # the mistake: naive = local time


# The solution's parse_retry_after, rebuilt over this module's names: it calls the one above.
parse_retry_after = rebuilt(solution.parse_retry_after, globals())
