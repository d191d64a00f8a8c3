"""Kata 05 · First wins. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
def ask(replica, query: str) -> str:
    """Ask one replica and return its answer. (Given: keep it.)

    A replica is a copy of a slow service: `replica.call(query)` blocks until it answers,
    and some replicas take much longer than others. The task only waits, so it uses no CPU.
    """
    return replica.call(query)


async def first_answer(replicas: list, query: str) -> str:
    """Send `query` to every replica at once, return the first answer that comes back, and
    stop the replicas that are still working on it."""
    # TODO: start ask.remote(replica, query) for every replica, wait until the FIRST one
    # finishes, cancel the others with ray.cancel(ref), and return the winner's answer.
    todo("ask every replica, return the first answer, ray.cancel the rest")
