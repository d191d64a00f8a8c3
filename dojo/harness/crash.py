"""Crashes that teach: when the learner's code raises, show their own line, the exception and,
for the crashes first attempts often make, a lesson; never asyncio's or Ray's internals.

The pytest plugin calls `explain(error, learner_files)` for an exception that escaped a kata
test. It finds the innermost frame in the learner's files, in the local traceback or, for an
error raised inside a Ray task or actor, in the remote traceback Ray carries as text, and
returns None when the crash did not come through the learner's code (a harness bug keeps its
full traceback).

Examples:
    >>> crash = TypeError("unhashable type: 'list'")
    >>> lesson_for(crash, "return await asyncio.gather(refs)").startswith("asyncio.gather(refs)")
    True
"""

from __future__ import annotations

import linecache
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dojo.harness.teach import CANDIDATES, LIKELY, plain


@dataclass(frozen=True)
class KnownCrash:
    """A crash pattern: the exception's type and message, and optionally the learner's line.

    Args:
        name: a short id (tests name the patterns they prove).
        types: exception class names that qualify (the original type, for Ray task errors).
        message: a regular expression searched in the exception's message.
        line: a regular expression the learner's source line must match (None: any line).
        lesson: what the learner most likely did and what to do instead; or, when the crash
            fits more than one mistake, each of them (told as candidates).
    """

    name: str
    types: tuple[str, ...]
    message: str
    line: str | None
    lesson: str | tuple[str, ...]

    def told(self) -> list[str]:
        """The lines that tell this lesson, under the crash's own lines."""
        if isinstance(self.lesson, str):
            return [f"{LIKELY} {self.lesson}"]
        return [CANDIDATES, *(f"  - {candidate}" for candidate in self.lesson)]

    def matches(self, error: BaseException, line: str) -> bool:
        if type(error).__name__ not in self.types:
            return False
        if not re.search(self.message, str(error)):
            return False
        return self.line is None or re.search(self.line, line) is not None


KNOWN_CRASHES = (
    KnownCrash(
        "gather-without-star",
        ("TypeError",),
        r"unhashable type: 'list'|An asyncio\.Future, a coroutine or an awaitable is required",
        r"gather\(",
        "asyncio.gather(refs) was given ONE list; gather takes each awaitable as its own "
        "argument: asyncio.gather(*refs)",
    ),
    KnownCrash(
        "asyncio-wait-on-raw-refs",
        ("AttributeError",),
        r"ObjectRef' object has no attribute 'add_done_callback'",
        None,
        "asyncio.wait (like asyncio.shield and add_done_callback) wants asyncio futures, and a "
        "raw ObjectRef is not one: wrap each ref with asyncio.ensure_future(ref) and keep a "
        "dict {wrapper: ref} so you can still ray.cancel the ref",
    ),
    KnownCrash(
        "create-task-on-a-ref",
        ("TypeError",),
        r"a coroutine was expected, got ObjectRef",
        None,
        "asyncio.create_task takes a coroutine; an ObjectRef is awaitable but is not a "
        "coroutine: use asyncio.ensure_future(ref), or simply await the ref",
    ),
    KnownCrash(
        "awaiting-a-list",
        ("TypeError",),
        r"object (list|tuple|set|dict) can't be used in 'await' expression",
        None,
        "a list is not awaitable: await each item, or await asyncio.gather(*items)",
    ),
    KnownCrash(
        "coroutine-returned-from-ray",
        ("TypeError",),
        r"cannot pickle 'coroutine' object",
        None,
        "a task or actor method returned a coroutine object instead of a result: a plain `def` "
        "called an `async def` helper without awaiting it. Make the method `async def` and "
        "`await` the helper (Ray awaits async methods for you)",
    ),
    KnownCrash(
        "unpicklable-value",
        ("TypeError", "PicklingError"),
        r"Could not serialize|cannot pickle '",
        None,
        "Ray sends arguments and results between processes by pickling them, and this object "
        "cannot be pickled (a lock, a socket, an HTTP session, an event loop...): create it "
        "inside the task or actor (for an actor, in __init__) and pass plain data instead",
    ),
    KnownCrash(
        "remote-called-directly",
        ("TypeError",),
        r"(Remote functions|Actor methods) cannot be called directly",
        None,
        "a Ray function or actor method was called like a plain function: call it with "
        ".remote(...), which starts it on Ray and returns an ObjectRef to await",
    ),
    KnownCrash(
        "ref-used-as-its-value",
        ("TypeError", "AttributeError"),
        r"'ray\.(_raylet\.)?ObjectRef' object (is not (subscriptable|iterable)|has no attribute)",
        None,
        "an ObjectRef was used as if it were its result: await it first (value = await ref), "
        "or await asyncio.gather(*refs) for many",
    ),
    KnownCrash(
        "ray-get-of-a-coroutine",
        ("ValueError", "TypeError"),
        r"Invalid type of object refs, <class 'coroutine'>",
        None,
        "ray.get takes ObjectRefs, and this was a coroutine: await it instead (and inside an "
        "`async def`, never ray.get: await)",
    ),
    KnownCrash(
        "asyncio-run-inside-a-loop",
        ("RuntimeError",),
        r"cannot be called from a running event loop|This event loop is already running",
        None,
        "your code already runs inside an event loop (it is a coroutine, or an async actor's "
        "method): await the coroutine instead of asyncio.run(...) or run_until_complete(...)",
    ),
    KnownCrash(
        "async-remote-function",
        ("ValueError", "TypeError"),
        r"'async def' should not be used for remote tasks|async def.*remote function",
        None,
        "Ray refuses `async def` remote functions: keep the task a plain `def`, or put the "
        "async code in an actor (an `async def` method of an @ray.remote class)",
    ),
    KnownCrash(
        # An item missing from the object's own list or dict: in a kata where calls run at
        # once, another call may have taken it (a README-only answer kept each call's reply in
        # a list on a threaded actor and read it back: IndexError, told nothing).
        "actor-state-changed-meanwhile",
        ("IndexError", "KeyError"),
        "",
        r"\bself\.\w+(\s*\[|\.pop\()",
        (
            "state kept on the object (`self.…`) changed by another call running at the same "
            "time: a threaded actor (max_concurrency above 1) runs its calls in parallel "
            "threads, and an async actor switches calls at every await, so between two of "
            "your lines another call can empty or change it. Keep what one call needs in local "
            "variables, or guard the shared state with a lock (threading.Lock in a threaded "
            "actor, asyncio.Lock in an async one)",
            "the list or dict does not hold that item even with one call at a time: a bug of "
            "its own",
        ),
    ),
)


@dataclass(frozen=True)
class Place:
    """Where in the learner's code a crash happened."""

    file: str  # as shown: the kata folder and the file name, e.g. katas/k02_x/kata.py
    line: int
    function: str
    source: str


def _shown(path: str) -> str:
    parts = Path(path).parts
    return "/".join(parts[-3:]) if len(parts) >= 3 else path


def _is_learner(path: str, learner_files: set[str]) -> bool:
    try:
        return str(Path(path).resolve()) in learner_files
    except OSError:
        return False


def _local_place(error: BaseException, learner_files: set[str]) -> Place | None:
    place = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        path = frame.f_code.co_filename
        if _is_learner(path, learner_files):
            source = linecache.getline(path, lineno).strip()
            place = Place(_shown(path), lineno, frame.f_code.co_name, source)
    return place


_REMOTE_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def _remote_place(text: str, learner_files: set[str]) -> Place | None:
    place = None
    for path, lineno, function in _REMOTE_FRAME.findall(text):
        if _is_learner(path, learner_files):
            source = linecache.getline(path, int(lineno)).strip()
            place = Place(_shown(path), int(lineno), function, source)
    return place


def _original(error: BaseException) -> BaseException:
    """The exception the learner's code raised: for a Ray task error, its cause."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, BaseException) else error


def known_crash(error: BaseException, line: str) -> KnownCrash | None:
    return next((crash for crash in KNOWN_CRASHES if crash.matches(error, line)), None)


def lesson_for(error: BaseException, line: str) -> str | tuple[str, ...] | None:
    crash = known_crash(error, line)
    return crash.lesson if crash is not None else None


def _first_line(error: BaseException) -> str:
    lines = [ln.strip() for ln in plain(str(error)).splitlines() if ln.strip()]
    return lines[0][:300] if lines else ""


def explain(error: BaseException, learner_files: Iterable[str | Path]) -> str | None:
    """A short report of a crash in the learner's code, or None if it did not come from it.

    Args:
        error: the exception that escaped the test.
        learner_files: the files of the code under test (the kata folder's modules).
    """
    files = {str(Path(f).resolve()) for f in learner_files}
    original = _original(error)
    remote = original is not error
    place = _remote_place(plain(str(error)), files) if remote else None
    place = place or _local_place(error, files)
    if place is None:
        # A learner's exception can also sit in the chain (raised while handling another).
        for linked in (error.__cause__, error.__context__):
            if isinstance(linked, BaseException) and linked is not error:
                place = _local_place(linked, files)
                if place is not None:
                    original = _original(linked)
                    break
    if place is None:
        return None
    where = "a Ray task or actor of yours" if remote else "your code"
    kind = type(original).__name__
    lines = [
        f"{where} raised {kind}: {_first_line(original)}",
        f"  {place.file}, line {place.line}, in {place.function}:",
        f"      {place.source}",
    ]
    crash = known_crash(original, place.source)
    if crash is not None:
        lines += crash.told()
    return "\n".join(lines)
