"""Other correct answers to kata 16. They replace one piece of the solution; `rebound` (the
mutants' helper) gives them the solution's functions that call it."""

from tests.mutants.k16_queue_pipeline import rebound

__all__ = ["rebound"]
