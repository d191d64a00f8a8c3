"""Mutant: starts every lookup, then awaits the refs one by one in the order it started them.
Everything runs at once, but a fast result waits behind every call started before it."""

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "handles-as-soon-as-ready"
SAYS = ("in the order you started them",)


async def handle_as_completed(service, items, handle) -> None:
    refs = [lookup.remote(service, item) for item in items]
    for ref in refs:
        handle(await ref)
