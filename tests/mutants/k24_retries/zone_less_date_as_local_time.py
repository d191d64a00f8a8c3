"""Mutant: counts an HTTP-date with timestamps, `when.timestamp() - now.timestamp()`. For a
date without a zone, parsedate_to_datetime gives a naive datetime, and timestamp() reads it
as the machine's LOCAL time: right on a server set to UTC, hours off anywhere else."""

from datetime import datetime

from solutions.k24_retries.kata import *

BREAKS = "date-without-a-zone-is-gmt"
SAYS = ("local time",)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if value is None:
        return None
    text = value.strip()
    if DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now.timestamp())  # the mistake: naive = local time
