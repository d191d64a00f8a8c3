"""Mutant: collect turns the stream's error into one of its own: the caller learns that
something failed, but `except OutOfStock` no longer catches it."""

from solutions.k17_streaming_results.kata import *  # the solution, but the error is wrapped
from solutions.k17_streaming_results.kata import collect as _collect

BREAKS = "the-error-reaches-the-caller"
SAYS = ("wrapping the error",)


async def collect(actor, service, items, on_item) -> None:
    try:
        await _collect(actor, service, items, on_item)
    except Exception as error:
        raise RuntimeError(f"the stream failed: {error}") from error
