"""Known wrong answers to kata 16. Most differ from the solution in one small function;
`rebound` gives them the solution's functions that call it."""

from solutions.k16_queue_pipeline import kata as _solution
from tests.variant_tools import rebuilt


def rebound(namespace: dict, *names: str) -> tuple:
    """The solution's functions `names`, rebuilt over `namespace` (a module's globals())
    instead of the solution's: the solution's code, calling that module's overrides."""
    return tuple(rebuilt(getattr(_solution, name), namespace) for name in names)
