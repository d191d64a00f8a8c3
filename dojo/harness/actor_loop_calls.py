"""Blocking Ray calls made on an actor's event loop, seen from inside the actor's process.

An async actor runs every call on one event loop; a `ray.get` or `ray.wait` there stops them
all until it returns. A short one (a ray.get with a timeout, then a fallback; a ray.get of a
ref that is almost done) hides from every test that only watches how long the actor takes to
answer, yet breaks the rule "no ray.get on the actor's event-loop thread, not even with a
timeout". So a test can create the learner's actor class through `watching_loop_calls`: a
subclass whose __init__ first wraps ray.get and ray.wait in the actor's own process, noting
each call the learner's code makes from a coroutine on a running event loop. The test reads
them with `await loop_calls(handle)`. A ray.get in a worker thread (asyncio.to_thread) runs
on no event loop: not noted. Nothing else changes: the subclass keeps the class's options
and methods.
"""

from __future__ import annotations

import linecache
import sys

import ray

from dojo.harness.actors import declared_options
from dojo.harness.heartbeat import Culprit, is_learners_code
from dojo.harness.sim import on_an_event_loop

_READ = "dojo_loop_calls"  # the method the subclass adds to read the calls noted
_noted: list[Culprit] = []  # in the actor's process: the calls made on its loop
_wrapped = False


def _watch_this_process() -> None:
    global _wrapped
    if _wrapped:
        return
    _wrapped = True
    for name in ("get", "wait"):
        real = getattr(ray, name)

        def watched(*args, _real=real, _call=f"ray.{name}", **kwargs):
            caller = sys._getframe(1)
            path = caller.f_code.co_filename
            if on_an_event_loop() and is_learners_code(path):
                line = caller.f_lineno
                source = linecache.getline(path, line).strip()
                _noted.append(Culprit(_call, path, line, f"{caller.f_code.co_name}: {source}"))
            return _real(*args, **kwargs)

        setattr(ray, name, watched)


def _read_noted(self) -> list[tuple[str, str, int, str]]:
    # Module-level, so that Ray pickles it by reference and it reads this module's list in
    # the actor's process (a function made inside watching_loop_calls would carry a copy).
    return [(c.call, c.path, c.line, c.source) for c in _noted]


def watching_loop_calls(actor_class):
    """`actor_class` (a @ray.remote class), noting in its process every ray.get and ray.wait
    the learner's code calls on the actor's event loop. Create it with `.remote(...)` as the
    class itself."""
    base = actor_class.__ray_actor_class__

    class Watched(base):
        def __init__(self, *args, **kwargs):
            _watch_this_process()
            super().__init__(*args, **kwargs)

    setattr(Watched, _READ, _read_noted)
    Watched.__name__ = Watched.__qualname__ = base.__name__
    options = declared_options(actor_class)
    return ray.remote(**options)(Watched) if options else ray.remote(Watched)


async def loop_calls(handle, made_in: str | None = None) -> list[Culprit]:
    """The calls the actor's code made on its event loop (in method `made_in`, if given):
    each Culprit's source is "<method>: <line of code>"."""
    made = [Culprit(*row) for row in await getattr(handle, _READ).remote()]
    if made_in is not None:
        made = [c for c in made if c.source.startswith(f"{made_in}: ")]
    return made
