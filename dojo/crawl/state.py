"""`dojo crawl --state DIR`: a crawl that continues where it stopped. However it stopped
(Ctrl-C, the driver killed, the Ray head lost), the same command with the same DIR goes on:
URLs with an outcome are done (reported, not fetched again), URLs leased but without an
outcome were in flight (fetched again, and counted: "refetched after a restart"), the rest are
queued as they were.

DIR holds
    crawl.json     which crawl this is (format, version, start URL, allow-list), written once
    journal.jsonl  the frontier's books, one line per change (dojo.crawl.journal), appended by
                   the frontier actor, which holds a lock on it while it lives
    run.lock       locked by the `dojo crawl` running on DIR: one crawl at a time

A rerun must name the same start URL and allow-list (another would be another crawl); the
other flags may change, and apply from then on.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dojo.crawl import journal
from dojo.crawl.journal import Books

FORMAT = "dojo-crawl-state"
VERSION = 1
FILES = ("crawl.json", "crawl.new", "journal.jsonl", "run.lock")  # crawl.new: being written
# A killed run's frontier may outlive its driver for a moment (the reused head kills a dead
# driver's actors within seconds): the rerun waits this long for it to let go of the journal.
FRONTIER_GONE_WITHIN = 30.0


class StateError(Exception):
    """DIR cannot be used: another crawl's, in use, damaged, or from another version."""


@dataclass(frozen=True)
class Resume:
    """What the frontier actor needs to go on (it is pickled to it): where to append, and the
    books as they were."""

    journal: str
    books: Books


class CrawlState:
    """An open state DIR, locked for this run until close()."""

    def __init__(self, directory: Path, books: Books, lock_fd: int):
        self.directory = directory
        self.books = books
        self._lock_fd: int | None = lock_fd

    @property
    def resume(self) -> Resume:
        return Resume(str(self.directory / "journal.jsonl"), self.books)

    def describe(self) -> str:
        b = self.books
        if not b.runs:
            return f"a new crawl, its state kept in {self.directory}"
        return (
            f"resuming the crawl kept in {self.directory} (run {b.runs + 1}): "
            f"{len(b.outcomes):,} URLs resolved, {len(b.queued):,} queued, "
            f"{len(b.restarted):,} in flight at a stop, fetched again"
        )

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def open_state(
    directory: Path,
    settings: dict[str, Any],
    say: Callable[[str], None] = lambda _: None,
) -> CrawlState:
    """Open (or start) the crawl state in `directory` for a crawl with these settings (a dict
    with start_url and allowed_domains at least); StateError saying why not. `say` hears about
    waits."""
    directory = Path(directory)
    try:
        return _open(directory, settings, say)
    except OSError as err:  # a directory we may not write, a full disk: said, not a traceback
        raise StateError(f"--state {directory}: {err}") from None


def _open(directory: Path, settings: dict[str, Any], say: Callable[[str], None]) -> CrawlState:
    _check_directory(directory)
    lock_fd = _lock(directory / "run.lock")
    try:
        _same_crawl(directory / "crawl.json", settings)
        path = directory / "journal.jsonl"
        _wait_for_old_frontier(path, say)
        try:
            books = journal.read(path)
        except journal.JournalError as err:
            raise StateError(f"{err}: this state cannot be resumed") from None
    except BaseException:
        os.close(lock_fd)
        raise
    return CrawlState(directory, books, lock_fd)


def _check_directory(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise StateError(f"--state {directory}: not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    strangers = {p.name for p in directory.iterdir()} - set(FILES)
    if (directory / "crawl.json").exists():
        return
    if strangers:
        # Never write a crawl into a folder that holds something else.
        raise StateError(
            f"--state {directory} holds other files ({', '.join(sorted(strangers)[:3])}) and "
            "no crawl: give an empty or new directory"
        )
    if (directory / "journal.jsonl").exists():
        raise StateError(
            f"--state {directory} has a journal but no crawl.json (which crawl it belongs to): "
            "it cannot be resumed"
        )


def _lock(path: Path) -> int:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StateError(f"another `dojo crawl` is running on {path.parent}") from None
    return fd


def _same_crawl(path: Path, settings: dict[str, Any]) -> None:
    """A new state records which crawl it is; an old one must be this same crawl."""
    # What makes a rerun the same crawl; the order of --allow flags does not matter.
    crawl = {
        "start_url": settings["start_url"],
        "allowed_domains": sorted(settings["allowed_domains"]),
    }
    mine = {"format": FORMAT, "version": VERSION, **crawl}
    if not path.exists():
        scratch = path.with_suffix(".new")
        scratch.write_text(json.dumps({**mine, "created": time.time()}, indent=1))
        scratch.replace(path)  # whole or not at all
        return
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        fmt, version = kept.get("format"), kept.get("version")
    except (OSError, ValueError, AttributeError) as err:
        raise StateError(f"{path} is damaged ({err}): not a crawl state to resume") from None
    if fmt != FORMAT or version != VERSION:
        raise StateError(
            f"{path} is {fmt!r} version {version!r}; this dojo reads {FORMAT!r} version {VERSION}: "
            "finish that crawl with the dojo that started it, or start afresh in a new directory"
        )
    for key, value in crawl.items():
        if kept.get(key) != value:
            raise StateError(
                f"{path.parent} holds another crawl: its {key} is {kept.get(key)!r}, not "
                f"{value!r} (a resumed crawl keeps its start URL and --allow; the other flags "
                "may change)"
            )


def _wait_for_old_frontier(path: Path, say: Callable[[str], None]) -> None:
    deadline = time.monotonic() + FRONTIER_GONE_WITHIN
    told = False
    while not journal.frontier_free(path):
        if time.monotonic() >= deadline:
            raise StateError(
                f"{path} is still held by a frontier after {FRONTIER_GONE_WITHIN:g} s: is the "
                "crawl that wrote it still running somewhere?"
            )
        if not told:
            say("waiting for the previous run's frontier to let go of the journal")
            told = True
        time.sleep(0.1)


@contextlib.contextmanager
def state_for(directory: Path | None, settings: dict[str, Any], say: Callable[[str], None]):
    """open_state for the length of a block; None when there is no directory."""
    if directory is None:
        yield None
        return
    state = open_state(directory, settings, say)
    try:
        yield state
    finally:
        state.close()
