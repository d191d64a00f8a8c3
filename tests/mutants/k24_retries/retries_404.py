"""Mutant: every status from 400 up is retried, 404 included. A missing page is asked for
`attempts` times, with backoff in between: slower, and rude to the host, for an answer
that will not change."""

from solutions.k24_retries.kata import *

BREAKS = "retries-only-transient-failures"
SAYS = ("404", "request's fault")


def is_retryable(result: FetchResult) -> bool:
    if result.error is not None:
        return result.error in TRANSIENT_ERRORS
    return result.status is not None and result.status >= 400  # the mistake: 4xx are final
