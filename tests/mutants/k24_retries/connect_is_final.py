"""Mutant: a refused connection is taken as final ("the host does not exist"). But a refused
connection is most often a server restarting or a deploy in progress: a moment later the
same request works."""

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import is_retryable as reference

BREAKS = "retries-only-transient-failures"
SAYS = ("connect", "may be gone a moment later")


def is_retryable(result: FetchResult) -> bool:
    return result.error != "connect" and reference(result)  # the mistake: connect is final
