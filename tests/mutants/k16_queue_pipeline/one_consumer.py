"""Mutant: whatever `consumers` says, one consumer does all the work: every item arrives,
but the consumers never work side by side."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but a single consumer
from solutions.k16_queue_pipeline.kata import run_pipeline as _run_pipeline

BREAKS = "consumers-work-side-by-side"
SAYS = ("consumer tasks, all running at the same time",)


async def run_pipeline(source, sink, producers, consumers, maxsize, poll):
    return await _run_pipeline(source, sink, producers, 1, maxsize, poll)
