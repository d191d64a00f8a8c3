"""Mutant: awaits each lookup inside the loop that starts them. Every result is handled as
soon as it is ready, but the calls run one after another instead of all at once."""

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "starts-all-at-once"
SAYS = ("inside the loop that starts them",)


async def handle_as_completed(service, items, handle) -> None:
    for item in items:
        handle(await lookup.remote(service, item))
