"""Mutant: reads Retry-After only as delay-seconds. The HTTP-date form, which servers send
too, means nothing to it: the retry comes back on its own backoff, long before the date."""

from datetime import datetime

from solutions.k24_retries.kata import *

BREAKS = "retry-after-http-date"
SAYS = ("parsedate_to_datetime",)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if value is not None and DELAY_SECONDS.fullmatch(value.strip()):
        return float(value.strip())
    return None  # the mistake: an HTTP-date is never tried
