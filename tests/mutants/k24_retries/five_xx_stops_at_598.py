"""Mutant: "any 5xx" written as `500 <= status < 599`, an off-by-one that leaves 599 out.
(A README-only answer did this and passed while the tests asked only 500-504.)"""

from solutions.k24_retries.kata import *

BREAKS = "retries-only-transient-failures"
SAYS = ("599", "off-by-one")


def is_retryable(result: FetchResult) -> bool:
    if result.error is not None:
        return result.error in TRANSIENT_ERRORS
    return result.status == 429 or (result.status is not None and 500 <= result.status < 599)
