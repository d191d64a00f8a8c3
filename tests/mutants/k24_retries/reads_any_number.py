"""Mutant: reads delay-seconds with float(): "-5" becomes a negative wait (and "1e3", "nan"
or "inf" would be read too). Only digits are delay-seconds."""

from datetime import datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import parse_retry_after as reference

BREAKS = "meaningless-retry-after-is-none"
SAYS = ("only digits",)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    try:
        return float(value)  # the mistake: any number float() takes
    except (TypeError, ValueError):
        return reference(value, now)
