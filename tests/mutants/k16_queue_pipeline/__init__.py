"""Known wrong answers to kata 16. Most differ from the solution in one small function;
`rebound` gives them the solution's functions that call it."""

import types

from solutions.k16_queue_pipeline import kata as _solution


def rebound(namespace: dict, *names: str) -> tuple:
    """The solution's functions `names`, with their global names looked up in `namespace` (a
    module's globals()) instead of the solution's: the solution's code, calling that
    module's overrides."""
    return tuple(
        types.FunctionType(getattr(_solution, name).__code__, namespace, name) for name in names
    )
