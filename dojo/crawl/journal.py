"""The frontier's journal (`dojo crawl --state DIR`): its books as an append-only file of JSON
lines, written as they change, and read back into the same books when the crawl resumes.

One line per frontier call that changed something, written before the call returns (so before
a fetcher holds a URL it leased, the lease is on disk), appended whole:

    {"op": "run"}                                       a run (re)starts on these books
    {"op": "offer", "new": [...], "skip": [...]}        the start URL(s)
    {"op": "lease", "urls": [url, ...]}
    {"op": "done", "url": url, "o": [kind, reason, status, depth], "new": [...], "skip": [...]}
    {"op": "release", "urls": [url, ...]}               a dead fetcher's leases, queued again

"new" lists [url, depth, parent] (the URL was queued; parent: the page it was found on, or the
page that redirected to it), "skip" lists [url, reason, depth] (resolved as skipped at once).
A call's effects share its line, so a line torn by a kill loses one call whole, never half of
one: a visit whose line is lost is still leased, and is fetched again (counted, below).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dojo.crawl.report import SKIPPED, Outcome

# Every line reaches the OS at once (a killed process loses nothing it wrote); the disk itself
# is synced at most this often, and when the report is made: a power cut may lose the last
# second, whose leases are then fetched again without being counted.
SYNC_EVERY = 1.0


class JournalError(ValueError):
    """The journal cannot be read back: not a torn last line, but damage or another format."""


@dataclass
class Books:
    """The frontier's books as the journal tells them."""

    queued: dict[str, int] = field(default_factory=dict)  # url -> depth, in queue order
    leased: dict[str, int] = field(default_factory=dict)  # url -> depth
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    accepted: int = 0  # URLs ever queued (what max_pages counts)
    released: int = 0  # leases given back by dead fetchers
    restarted: set[str] = field(default_factory=set)  # leased when a run stopped: queued again
    runs: int = 0

    def apply(self, record: dict[str, Any]) -> None:
        """One line's change. KeyError/TypeError/ValueError: not a line this format writes."""
        op = record["op"]
        if op == "run":
            self.stop_run()
            self.runs += 1
        elif op == "lease":
            for url in record["urls"]:
                self.leased[url] = self.queued.pop(url)
        elif op == "done":
            kind, reason, status, depth = record["o"]
            self.leased.pop(record["url"])
            self.outcomes[record["url"]] = Outcome(kind, reason, status, depth)
        elif op == "release":
            back = {url: self.leased.pop(url) for url in record["urls"]}
            self.queued = {**back, **self.queued}  # to the front, as release_worker does
            self.released += len(back)
        elif op != "offer":
            raise ValueError(f"unknown op {op!r}")
        self._offered(record.get("new", ()), record.get("skip", ()))

    def _offered(self, new: list, skipped: list) -> None:
        for url, reason, depth in skipped:
            self.outcomes[url] = Outcome(SKIPPED, reason, depth=depth)
        for url, depth, _parent in new:
            self.outcomes.pop(url, None)  # a "depth" skip found again, less deep
            self.queued[url] = depth
            self.accepted += 1

    def stop_run(self) -> None:
        """The run these books were written by is over: what it had leased was in flight
        (fetched, maybe, but its outcome never written). Queued again, at the front, and
        counted: the one way a URL may be requested twice."""
        self.restarted.update(self.leased)
        self.queued = {**self.leased, **self.queued}
        self.leased = {}


def read(path: Path) -> Books:
    """The books in the journal at `path` (none yet: empty books), ready for a new run. A torn
    last line (the writer killed mid-write) is cut off the file, so that appends start on a
    line of their own; damage anywhere else is a JournalError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Books()
    books = Books()
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the file ends with a whole line
    kept = 0  # bytes of the lines read so far, newlines included
    for number, line in enumerate(lines, 1):
        try:
            books.apply(json.loads(line))
        except (ValueError, KeyError, TypeError) as err:
            if number < len(lines):
                raise JournalError(f"{path}: line {number} is damaged ({err!r})") from None
            os.truncate(path, kept)
            break
        kept += len(line) + 1
    books.stop_run()
    return books


class JournalWriter:
    """Appends the lines, holding a lock on the file while its process lives: the next run
    waits for it (a killed run's frontier may outlive its driver for a moment)."""

    def __init__(self, path: str):
        # Unbuffered: each line goes straight to the OS. A file object, so that the file (and
        # the lock) is closed with the frontier, however it ends.
        self._file = open(path, "ab", buffering=0)
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise RuntimeError(f"{path} is being written by another crawl") from None
        self._synced = time.monotonic()

    def write(self, record: dict[str, Any]) -> None:
        line = memoryview(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        while line:  # a regular file takes it whole, but write() does not promise that
            line = line[os.write(self._file.fileno(), line) :]
        if time.monotonic() - self._synced >= SYNC_EVERY:
            self.sync()

    def sync(self) -> None:
        os.fsync(self._file.fileno())
        self._synced = time.monotonic()


def frontier_free(path: Path) -> bool:
    """No frontier holds the journal's lock (no JournalWriter is alive for it)."""
    if not path.exists():
        return True
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # and with it the lock, if it was taken
    return True
