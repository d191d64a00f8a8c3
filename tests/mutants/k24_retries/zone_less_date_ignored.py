"""Mutant: does the date arithmetic inside the try. For a date without a zone,
parsedate_to_datetime gives a naive datetime; naive minus aware raises TypeError, which the
except takes for nonsense: the server's date is ignored."""

from datetime import datetime

from solutions.k24_retries.kata import *

BREAKS = "date-without-a-zone-is-gmt"
SAYS = ("naive",)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if value is None:
        return None
    text = value.strip()
    if DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:  # the mistake: a naive date raises TypeError here, and is taken for nonsense
        return max(0.0, (parsedate_to_datetime(text) - now).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None
