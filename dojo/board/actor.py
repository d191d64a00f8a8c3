"""The board's state on the room's head: a named, detached Ray actor running LiveBoard.

Detached, so it outlives the `dojo board` web server that created it (a restarted server finds
it again by name, with everything in it); in a namespace of its own, so no learner's job meets
it by accident; with no CPU, so the katas' proofs still find every CPU of the head free.
"""

from __future__ import annotations

import ray

from dojo.board.live import LiveBoard

NAME = "dojo-board"
NAMESPACE = "dojo-board"

BoardActor = ray.remote(num_cpus=0)(LiveBoard)


def lookup():
    """The room's board actor, or None when no board runs there (one GCS lookup, ~1 ms)."""
    try:
        return ray.get_actor(NAME, namespace=NAMESPACE)
    except ValueError:  # Ray's way of saying "no actor by that name"
        return None


def get_or_create(katas: list[dict]):
    """The board actor, created with this catalogue's katas unless it already runs."""
    return BoardActor.options(
        name=NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote(katas)
