"""Mutant: awaits the refs one by one in the reverse of the order it started them, a fixed
order that happens to be right whenever later items are faster. A ready result still waits
behind the calls it happens to be queued after."""

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "handles-as-soon-as-ready"
SAYS = ("fixed order",)


async def handle_as_completed(service, items, handle) -> None:
    refs = [lookup.remote(service, item) for item in items]
    for ref in reversed(refs):
        handle(await ref)
