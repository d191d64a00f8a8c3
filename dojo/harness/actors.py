"""The actors a kata test works with: started before the test runs, killed when it ends.

On a busy machine a new actor process can take many seconds to start, and that says nothing
about what a test proves (concurrency, a free event loop, a limit). So a test's fixtures create
its probe and the actor under test first, and wait (up to STARTUP s) until both answer; the
proof itself (a barrier, a gate) then costs a second or so. Whatever happens in the test, the
actor is killed at the end: a deadlocked actor never comes back by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ray
from ray.actor import ActorHandle

from dojo.harness.teach import finishes_within
from dojo.harness.todo import NotDoneYet

STARTUP = 120.0


def wait_started(probe, actor, within: float = STARTUP) -> None:
    """Wait (up to `within` s) until the probe's actor and the actor under test both answer.
    They start in parallel. An actor that fails to start shows up in the test itself."""
    # Any call on the probe answers once it is up; opening an unused gate changes nothing.
    ready = [probe.open_gate("started"), actor.__ray_ready__.remote()]
    ray.wait(ready, num_returns=len(ready), timeout=within)


def declared_options(actor_class) -> dict:
    """The options an actor class was declared with (`@ray.remote(max_concurrency=...)`).
    Ray keeps no public copy of them: read from its private `_default_options`; a class made
    without any (or a Ray that moved them) gives {}."""
    return dict(getattr(actor_class, "_default_options", None) or {})


_STARTING = ("DEPENDENCIES_UNREADY", "PENDING_CREATION", "RESTARTING")


def actors_starting(class_name: str | None = None) -> bool:
    """Is an actor of this job (of `class_name`, if given) still being created? A new actor
    process can take many seconds on a loaded machine, and nothing it is part of can move
    before it is up: a test judging "nothing moved for so long" must not count that time.
    Read from the cluster's actor table (Ray has no public API for it without the
    dashboard); if that fails, assume not. Blocking: call it off the test's loop."""
    try:
        from ray._private import state

        job = ray.get_runtime_context().get_job_id()
        return any(
            actor.get("JobID") == job
            and actor.get("State") in _STARTING
            and class_name in (None, actor.get("ActorClassName"))
            for actor in state.actors().values()
        )
    except Exception:
        return False


def actors_not_dead(actor_ids: list[str]) -> list[str]:
    """The ids among `actor_ids` whose actors the cluster does not (yet) count as dead:
    killed, or ended because their last handle went. Read from the actor table like
    actors_starting; an id it does not know (not an actor's), or a table that cannot be read,
    tells nothing, and counts as dead: a test must not fail on what it cannot see. Blocking:
    call it off the test's loop."""
    try:
        from ray._private import state

        table = state.actors()
    except Exception:
        return []
    return [i for i in actor_ids if table.get(i, {}).get("State", "DEAD") != "DEAD"]


def kill_quietly(actor) -> None:
    """Kill an actor if it is one (a dead or missing actor is no error at the end of a test)."""
    if isinstance(actor, ActorHandle):
        with contextlib.suppress(Exception):
            ray.kill(actor)


@contextlib.contextmanager
def started(actor, probe) -> Iterator[Any]:
    """`actor` (the handle of the actor under test) once it and the probe's actor answer; it
    is killed when the block ends. Anything else (a learner's factory may return the class,
    or None) is handed on untouched, for the test to explain."""
    if isinstance(actor, ActorHandle):
        wait_started(probe, actor)
    try:
        yield actor
    finally:
        kill_quietly(actor)


@dataclass
class Made:
    """What a learner's factory (make_client(), make_gateway(limit)) gave, called by a fixture
    before the test runs; the error it raised, if any, is raised again inside the test, so
    the test reports it (NOT DONE YET included)."""

    value: Any = None
    error: Exception | None = None

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


@contextlib.contextmanager
def made_and_started(probe, make: Callable[..., Any], *args: Any) -> Iterator[Made]:
    """Call `make(*args)` now and start what it returns (see `started`), keeping its error for
    the test; the actor is killed when the block ends."""
    try:
        made = Made(value=make(*args))
    except Exception as error:  # NOT DONE YET included: the test reports it
        made = Made(error=error)
    with started(made.value, probe):
        yield made


@contextlib.contextmanager
def killed_at_the_end() -> Iterator[Callable[[Any], Any]]:
    """A `keep(handle)` that returns the handle it is given and remembers it: every actor kept
    is killed when the block ends, whatever happened."""
    made: list = []

    def keep(handle):
        made.append(handle)
        return handle

    try:
        yield keep
    finally:
        for handle in made:
            kill_quietly(handle)


async def outcome(ref, errors: type[BaseException] | tuple = Exception):
    """The result of a call, or the error (of the kinds `errors`) it raised, as a value; NOT
    DONE YET goes on up. (finishes_within would read a TimeoutError, or Ray's GetTimeoutError,
    as a hang of its own.)"""
    try:
        return await ref
    except NotDoneYet:
        raise
    except errors as error:
        return error


def crash_line(error: BaseException) -> str:
    """ "Kind: the last line of its message" (200 characters at most): what a call raised,
    without Ray's long traceback."""
    reason = (str(error).strip().splitlines() or [""])[-1]
    return f"{type(error).__name__}: {reason[:200]}"


async def replies_or_crash(refs, call: str, crash: str, within: float = 25) -> tuple:
    """(replies, None) once every call answered (bounded: finishes_within), or (None, its
    crash_line) when a call raised an error whose text contains `crash`: a known mistake the
    test turns into its lesson. Any other error goes on up (the dojo reports it with the
    learner's line that raised it), and so does NOT DONE YET."""
    try:
        return await finishes_within(asyncio.gather(*refs), within, call), None
    except NotDoneYet:
        raise
    except Exception as error:
        if crash not in str(error):
            raise
        return None, crash_line(error)
