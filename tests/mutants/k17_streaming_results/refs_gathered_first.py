"""Mutant: the actor streams correctly, but collect first gathers every ref of the stream
and only then calls on_item: the driver still sees nothing until the stream has ended."""

from solutions.k17_streaming_results.kata import *  # the solution, but collect waits

BREAKS = "collect-hands-on-each-result"
SAYS = ("async for",)


async def collect(actor, service, items, on_item) -> None:
    refs = [ref async for ref in actor.stream.remote(service, items)]
    for ref in refs:
        on_item(await ref)
