"""Every request the fake web served, seen from the server's side.

Tests prove crawler properties with it: "fetched exactly once" (`counts`), "never more than K
in flight per fetcher" (`peak_in_flight(by="who")`), "at least G seconds between two hits on
one host" (`min_gap`), "robots.txt once per host", what a killed fetcher left unfinished.

Where the log lives:

* `HitLog`: a Ray async actor (num_cpus=0) shared by every process that serves the site (each
  fetcher actor runs its own mock). Create with `HitLog.remote()`, pass the handle along.
* `LocalHitLog`: the same log in this process (pure tests, the real server in serve.py).
  HitLog is a subclass, so both answer the same questions.

Servers write through a `HitRecorder`, never directly: it stamps the times and sends events to
a HitLog actor batched and fire-and-forget (one Ray call per FLUSH_EVERY seconds at most,
sooner when FLUSH_AT events wait), so recording costs a fetch microseconds, not a round trip.
A test reads the log after `HitLog.wait_for(count)` (or after the serving actor's
`stop()`/`flush()`); events of the last FLUSH_EVERY seconds of a killed process are lost.

Clock: times are taken by the serving process, with `time.time()`, at the moment the fake
server starts and finishes answering. Taking them in the log actor instead would add the Ray
call's queueing delay (milliseconds, uneven under load) to every interval and could even reorder
a start after its end. Wall-clock time is shared by every process on a machine and kept within
about a millisecond across the machines of a cluster by NTP (time.monotonic is also system-wide
on one Linux or macOS machine, but means nothing across machines). A wall-clock step during a
test would distort it; it is not worth guarding against here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dojo.cluster import ray_runtime
from dojo.harness.timeline import Interval, peak_in_flight, render

ray_runtime.prepare_environment()  # before `import ray`: see dojo.cluster.ray_runtime

import ray  # noqa: E402

FLUSH_EVERY = 0.02  # seconds an event may wait in the serving process before it is sent
FLUSH_AT = 500  # ... or this many events
# HitLog is an async actor, so Ray does not promise to run two record calls in the order they
# were sent: awaiting the last one says nothing of the one before. The recorder keeps every
# delivery not yet seen done, and looks which are done (one cheap ray.wait) once this many wait.
SETTLE_CHECK_AT = 16


@dataclass(frozen=True)
class Hit:
    """One request as the fake server saw it. `end` is None while it is being answered (or for
    ever, if the serving process died). `status` is None when the server answered with an error
    (`error` says which: "connect" | "timeout" | "reset") or the client gave up ("cancelled")."""

    id: str
    url: str  # canonical, in the site's own URL space (also in real-HTTP mode)
    host: str  # host[:port] of url
    who: str  # which server process: the fetcher actor's id by default
    start: float
    end: float | None = None
    status: int | None = None
    error: str | None = None
    method: str = "GET"

    @property
    def finished(self) -> bool:
        return self.end is not None

    @property
    def outcome(self) -> str:
        if self.end is None:
            return "running"
        return self.error or str(self.status)

    def interval(self, label: str | None = None) -> Interval:
        return Interval(label or self.url, self.start, self.end, self.outcome)


# --- questions about a list of hits (pure functions; the logs below delegate to them) --------


def counts(hits: Iterable[Hit]) -> dict[str, int]:
    """url -> how many requests reached the server for it."""
    return dict(Counter(h.url for h in hits))


def duplicates(hits: Iterable[Hit]) -> dict[str, int]:
    """Only the URLs requested more than once."""
    return {url: n for url, n in counts(hits).items() if n > 1}


def _key(by: str | None) -> Callable[[Hit], str]:
    if by is None:
        return lambda h: ""
    if by not in ("who", "host", "url"):
        raise ValueError(f"by must be None, 'who', 'host' or 'url', not {by!r}")
    return lambda h: getattr(h, by)


def peak_in_flight_of(hits: Iterable[Hit], by: str | None = None) -> int | dict[str, int]:
    """Most requests being answered at once: overall (by=None) or per who/host/url. A hit
    still running (end None) overlaps every hit that starts after it."""
    hits = list(hits)
    groups: dict[str, list[Interval]] = defaultdict(list)
    key = _key(by)
    for h in hits:
        groups[key(h)].append(h.interval())
    peaks = {k: peak_in_flight(v)[0] for k, v in groups.items()}
    if by is None:
        return peaks.get("", 0)
    return peaks


def gaps(hits: Iterable[Hit], by: str = "host") -> dict[str, list[float]]:
    """Per host (or who/url): seconds between consecutive request starts, in time order."""
    starts: dict[str, list[float]] = defaultdict(list)
    key = _key(by)
    for h in hits:
        starts[key(h)].append(h.start)
    return {k: [b - a for a, b in itertools.pairwise(sorted(v))] for k, v in starts.items()}


def min_gap(hits: Iterable[Hit], by: str = "host") -> dict[str, float | None]:
    """Per host: the smallest gap between two consecutive request starts (None: < 2 hits)."""
    return {k: (min(v) if v else None) for k, v in gaps(hits, by).items()}


def timeline(hits: Iterable[Hit], title: str = "what the fake web served") -> str:
    """The shared text picture (dojo.harness.timeline), one row per request, labelled by path."""
    from yarl import URL

    rows = [h.interval(f"{h.who[-4:]} {URL(h.url).path_qs}") for h in hits]
    return render(rows, title)


# --- the logs ---------------------------------------------------------------------------------


class LocalHitLog:
    """What the fake web served, seen from the server's side: one Hit per request (who asked,
    for which URL, when it started and ended, how it ended). Thread-safe: the real server may
    run in another thread. `HitLog` is the same as a Ray actor, for mocks in many processes.

    Examples:
        >>> log = LocalHitLog()
        >>> web = start_mock(site, log)              # every request the mock answers is recorded
        >>> ...                                      # the learner's crawler runs
        >>> log.counts()                             # {url: how many requests}
        >>> log.peak_in_flight(by="host")            # {host: most requests at once}
        >>> log.min_gap(by="host")                   # {host: shortest gap between two}
        >>> print(log.timeline())
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, Hit] = {}
        self._next_index: Counter[str] = Counter()

    # written by HitRecorder ---------------------------------------------------------------

    def record(self, events: list[tuple]) -> None:
        """Events are ("start", id, url, host, who, method, t) and
        ("end", id, url, host, who, method, start, t, status, error). An end carries the whole
        hit, so events may arrive in any order (or a start may never arrive)."""
        with self._lock:
            for event in events:
                if event[0] == "start":
                    _, hit_id, url, host, who, method, t = event
                    if hit_id not in self._hits:  # an end that came first wins
                        self._hits[hit_id] = Hit(hit_id, url, host, who, t, method=method)
                else:
                    _, hit_id, url, host, who, method, start, t, status, error = event
                    self._hits[hit_id] = Hit(
                        hit_id, url, host, who, start, t, status, error, method
                    )

    def next_index(self, url: str) -> int:
        """How many times `url` was asked for before (server-wide): picks the response of a
        sequenced resource, so "503 then 200" holds across all fetcher processes."""
        with self._lock:
            n = self._next_index[url]
            self._next_index[url] += 1
            return n

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
            self._next_index.clear()

    # read by tests ------------------------------------------------------------------------

    def hits(self, url: str | None = None) -> list[Hit]:
        """All hits (or those for one canonical url), in order of start."""
        with self._lock:
            found = [h for h in self._hits.values() if url is None or h.url == url]
        return sorted(found, key=lambda h: (h.start, h.id))

    def size(self, finished_only: bool = False) -> int:
        with self._lock:
            return sum(1 for h in self._hits.values() if h.finished or not finished_only)

    def counts(self) -> dict[str, int]:
        return counts(self.hits())

    def duplicates(self) -> dict[str, int]:
        return duplicates(self.hits())

    def peak_in_flight(self, by: str | None = None) -> int | dict[str, int]:
        return peak_in_flight_of(self.hits(), by)

    def min_gap(self, by: str = "host") -> dict[str, float | None]:
        return min_gap(self.hits(), by)

    def timeline(self, title: str = "what the fake web served") -> str:
        return timeline(self.hits(), title)


@ray.remote(num_cpus=0)
class HitLog(LocalHitLog):
    """The shared hit log: one actor, written by every fetcher process (see the module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self._recorded: asyncio.Event | None = None  # made on the actor's loop, when needed

    def record(self, events: list[tuple]) -> None:
        super().record(events)
        if self._recorded is not None:
            self._recorded.set()

    async def wait_for(self, count: int, within: float = 10.0, finished_only: bool = True) -> int:
        """Wait here (not in the caller) until `count` hits are recorded; returns the number
        seen, which is smaller than `count` if `within` seconds passed first. Events are sent
        fire-and-forget, so this is how a test waits for the last ones to land."""
        if self._recorded is None:
            self._recorded = asyncio.Event()
        deadline = time.monotonic() + within
        while (seen := self.size(finished_only)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._recorded.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recorded.wait(), remaining)
        return seen


def is_actor(log: object) -> bool:
    return isinstance(log, ray.actor.ActorHandle)


# --- the writing side, used by the servers (mock.py, serve.py) --------------------------------


def default_who() -> str:
    """The current actor's id when inside an actor, else "pid<N>"."""
    try:
        actor_id = ray.get_runtime_context().get_actor_id() if ray.is_initialized() else None
    except Exception:
        actor_id = None
    return actor_id or f"pid{os.getpid()}"


class HitRecorder:
    """Stamps hits with the clock and delivers them to a LocalHitLog or a HitLog actor.

    For an actor, events are sent in batches, one fire-and-forget call per FLUSH_EVERY seconds
    (a Ray call costs ~0.5-1 ms of the caller's CPU: one per event would cost more than the
    mocked fetch itself); call `flush()` to send what is pending (the mock's stop() does) and
    await what it returns to know every event so far has landed."""

    def __init__(
        self,
        log: LocalHitLog | ray.actor.ActorHandle | None,
        who: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.log = log
        self.who = who or default_who()
        self.clock = clock
        self._prefix = uuid.uuid4().hex[:8]
        self._ids = itertools.count()
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        self._flush_scheduled = False
        self._unsettled: list[ray.ObjectRef] = []  # deliveries sent, not yet seen done
        # Without a shared log, sequenced resources count per recorder.
        self._local_index: Counter[str] = Counter()

    def begin(self, url: str, host: str, method: str = "GET") -> tuple:
        """Record that the server started answering; returns a token for `end`."""
        token = (f"{self._prefix}-{next(self._ids)}", url, host, method, self.clock())
        hit_id, _, _, _, start = token
        self._send(("start", hit_id, url, host, self.who, method, start))
        return token

    def end(self, token: tuple, status: int | None, error: str | None = None) -> None:
        hit_id, url, host, method, start = token
        self._send(("end", hit_id, url, host, self.who, method, start, self.clock(), status, error))

    async def next_index(self, url: str) -> int:
        """The server-wide hit number of `url` (see LocalHitLog.next_index)."""
        if self.log is None:
            n = self._local_index[url]
            self._local_index[url] += 1
            return n
        if is_actor(self.log):
            return await self.log.next_index.remote(url)
        return self.log.next_index(url)

    def _send(self, event: tuple) -> None:
        if self.log is None:
            return
        if not is_actor(self.log):
            self.log.record([event])
            return
        with self._lock:
            self._pending.append(event)
            full = len(self._pending) >= FLUSH_AT
        if full:
            self.flush()
            return
        with self._lock:
            if self._flush_scheduled:
                return
            self._flush_scheduled = True
        try:
            asyncio.get_running_loop().call_later(FLUSH_EVERY, self.flush)
        except RuntimeError:  # no loop running here: send at once
            self.flush()

    def flush(self) -> Delivered | None:
        """Send pending events now. Returns None when every event sent so far is known to have
        landed, else a Delivered: await it to know they all have (this batch and any earlier
        one still on its way)."""
        with self._lock:
            batch, self._pending = self._pending, []
            self._flush_scheduled = False
            if batch:
                self._unsettled.append(self.log.record.remote(batch))
            if len(self._unsettled) >= SETTLE_CHECK_AT:
                _, self._unsettled = ray.wait(
                    self._unsettled, num_returns=len(self._unsettled), timeout=0, fetch_local=False
                )
            return Delivered(list(self._unsettled)) if self._unsettled else None


class Delivered:
    """Deliveries of hit events on their way to a HitLog actor: `await` it to know they have
    all landed. (Not an ObjectRef: there may be several, and Ray may run them in any order.)"""

    def __init__(self, refs: list[ray.ObjectRef]):
        self.refs = refs

    def __await__(self):
        return asyncio.gather(*self.refs).__await__()
