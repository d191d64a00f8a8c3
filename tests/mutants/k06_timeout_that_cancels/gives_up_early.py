"""Mutant: a safety margin taken off the deadline. It stops waiting at half the time the
caller allowed, so a call that would have made it in time is cancelled and reported as a
timeout."""

from solutions.k06_timeout_that_cancels import kata as solution
from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "times-out-at-the-deadline"
SAYS = ("before the", "pass `seconds` on as it is")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    # the mistake: "leave time for the cancel"
    return await solution.call_with_deadline(service, item, seconds / 2)
