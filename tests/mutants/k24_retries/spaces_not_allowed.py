"""Mutant: delay-seconds must be digits and nothing else: " 7 " (spaces around it, which
the header's syntax allows) is not read as 7 seconds, and the retry ignores it."""

from datetime import datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import parse_retry_after as reference

BREAKS = "retry-after-seconds"
SAYS = ("strip",)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if value is not None and value != value.strip():
        return None  # the mistake: the spaces around the digits are not stripped
    return reference(value, now)
