"""Mutant: collect catches the stream's error and just stops. The earlier results arrive,
but the caller never learns that the last item failed."""

from solutions.k17_streaming_results.kata import *  # the solution, but the error is caught
from solutions.k17_streaming_results.kata import collect as _collect

BREAKS = "the-error-reaches-the-caller"
SAYS = ("catching the error in collect", "propagate")


async def collect(actor, service, items, on_item) -> None:
    try:
        await _collect(actor, service, items, on_item)
    except Exception:
        return
