"""Mutant: a deadline with a grace period on top. "Give the task one more second, it is
probably almost done": the TimeoutError comes a second after the caller's deadline, and the
caller, who budgeted `seconds` for this call, is late for its own."""

from solutions.k06_timeout_that_cancels import kata as solution
from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "times-out-at-the-deadline"
SAYS = ("grace period",)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    # the mistake: a second more than the caller allowed
    return await solution.call_with_deadline(service, item, seconds + 1.0)
