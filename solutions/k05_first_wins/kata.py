"""Kata 05 · First wins: reference solution."""

import asyncio

import ray

from katas.k05_first_wins.kata import ask  # given: the remote task that asks one replica


async def first_answer(replicas: list, query: str) -> str:
    """Send `query` to every replica at once, return the first answer that comes back, and
    stop the replicas that are still working on it."""
    refs = [ask.remote(replica, query) for replica in replicas]
    # asyncio.wait needs futures (a raw ObjectRef has no add_done_callback), so wrap each
    # ref, and remember which ref a wrapper stands for: only the ref can be cancelled in Ray.
    waiting = {asyncio.ensure_future(ref): ref for ref in refs}
    try:
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        return done.pop().result()
    finally:
        # Runs on return AND if our caller cancels us: every loser is stopped in Ray.
        # Cancelling the asyncio wrapper alone would only stop our waiting, not the task.
        for wrapper, ref in waiting.items():
            if not wrapper.done():
                ray.cancel(ref)
                wrapper.cancel()
