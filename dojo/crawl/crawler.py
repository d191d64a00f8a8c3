"""The crawler `dojo crawl` runs: a frontier actor, one gatekeeper actor for everything per
origin (politeness gate, robots.txt), and fetcher actors that pull work, each with a few
requests in flight; it survives fetchers dying.

It is also kata 26's reference answer (solutions/k26_distributed_crawl/kata.py imports it
whole), so kata 26's tests hold this very crawler to the kata's rules. It lives in the support
package, so `dojo crawl` never depends on a learner's folder, and it may grow beyond what the
kata asks (on_progress, closing the HTTP sessions before the kill, robots.txt read as RFC 9309
says, and CrawlOptions: more than one request in flight per origin, the body size cap, both
at the kata's settings unless `dojo crawl` asks otherwise, a journal to resume from, and
lanes that make at most two actor calls per page instead of four, fewer when they share
them: CoalescingFetcher)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from dojo.crawl.client import WebClient
from dojo.crawl.fetch import USER_AGENT
from dojo.crawl.frontier import FrontierActor
from dojo.crawl.limits import MAX_BODY, MAX_CRAWL_DELAY, ROBOTS_PARSE_LIMIT
from dojo.crawl.parse_async import digest_off_loop
from dojo.crawl.politeness import OriginGate, gate_for  # noqa: F401
from dojo.crawl.report import CrawlReport, Visit, digest  # noqa: F401
from dojo.crawl.result import FetchResult
from dojo.crawl.rfc9309 import Rfc9309RobotsCache
from dojo.crawl.robots import ROBOTS_TTL, RobotsCache  # noqa: F401
from dojo.crawl.told import ToldLinks
from dojo.crawl.turns import WAIT, FrontierTurns, PermitTurns
from dojo.crawl.urls import origin_of

# OriginGate, RobotsCache and digest (noqa above), the kata's own parts, stay importable
# from here: kata 26's variants are this module's names (`from solutions.k26_distributed_crawl
# .kata import *`) with their changes, and some build on them.

IDLE = 0.05  # seconds a lane waits before asking again when nothing is queued
PROGRESS_EVERY = 0.25  # seconds between two on_progress calls
CLOSE_WITHIN = 2.0  # seconds the actors get to close their HTTP sessions before being killed


@dataclass(frozen=True)
class CrawlOptions:
    """What `dojo crawl` may set beyond kata 26's settings; the defaults are the kata's."""

    per_host: int = 1  # requests in flight to one origin at most (their starts `delay` apart)
    max_bytes: int = MAX_BODY  # the text body one answer may have; a bigger one is too_large
    # `dojo crawl --state`: the books of earlier runs and the journal to append to (a
    # dojo.crawl.state.Resume); None: the kata's crawl, nothing on disk.
    resume: Any = None
    # At most two actor calls per page instead of four (CoalescingFetcher); the kata's lane
    # makes each call on its own, as its lesson reads.
    coalesce: bool = False


@ray.remote(num_cpus=0)
class Gatekeeper(WebClient):
    """Everything that is per origin, in ONE actor for all fetchers (kata 18): the politeness
    gate and the robots.txt rules. Per fetcher, either one would be wrong: two fetchers would
    each space their own requests to a host but not each other's, and each would fetch every
    robots.txt again. It fetches robots.txt itself (so it starts the fake web too), through
    the same gate as every other request to that origin. (Beyond the kata: `per_host`
    requests in flight per origin, see politeness.gate_for; robots.txt read as RFC 9309 says,
    with kata 25's cache; its Crawl-delay honoured, when longer than `delay`, up to
    MAX_CRAWL_DELAY.)"""

    def __init__(
        self,
        site: Any,
        hits: Any,
        delay: float,
        name: str = "gatekeeper",
        per_host: int = 1,
        max_bytes: int = MAX_BODY,
    ):
        super().__init__(site, hits, name, max_bytes)
        self.gate = gate_for(delay, per_host)
        self.robots = Rfc9309RobotsCache(self.get_in_turn, USER_AGENT, ROBOTS_TTL)
        self.crawl_delays: dict[str, float] = {}  # origin -> the Crawl-delay it asked for

    async def get_in_turn(self, url: str) -> FetchResult:
        """self.get(url) in its origin's turn at the gate: how robots.txt is fetched (its
        first ROBOTS_PARSE_LIMIT bytes, whatever the body cap: RFC 9309, section 2.5)."""
        origin = origin_of(url)
        start_at = await self.gate.enter(origin, self.name)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            return await self.get(url, first_bytes=ROBOTS_PARSE_LIMIT)
        finally:
            await self.gate.leave(origin, self.name, time.time())

    async def permit(self, worker: str, url: str) -> float | None:
        """None if robots.txt forbids url; else `worker` now holds url's origin, and may start
        its request at the returned wall-clock time."""
        if not await self.robots.allowed(url):
            return None
        return await self._enter(worker, url)

    async def _enter(self, worker: str, url: str) -> float:
        """`worker` now holds url's origin (robots.txt allows url): when it may start."""
        origin = origin_of(url)
        asked = await self.robots.crawl_delay(url)  # the rules are cached: no request
        if self.crawl_delays.get(origin) != asked:  # first seen, or a refetched file changed
            if asked is None:
                del self.crawl_delays[origin]
            else:
                self.crawl_delays[origin] = asked
            self.gate.set_delay(origin, min(asked or 0.0, MAX_CRAWL_DELAY))
        return await self.gate.enter(origin, worker)

    async def asked_delays(self) -> dict[str, float]:
        """The Crawl-delay each origin's robots.txt asked for (the origins that asked one)."""
        return dict(self.crawl_delays)

    async def leave(self, worker: str, url: str, done_at: float) -> None:
        await self.gate.leave(origin_of(url), worker, done_at)

    async def leave_and_permit(
        self, worker: str, left: tuple[str, float] | None, url: str
    ) -> float | None:
        """leave(worker, *left) if `worker` has an origin to give back, then permit(worker,
        url): one call where a lane makes two (CoalescingFetcher)."""
        if left is not None:
            await self.leave(worker, *left)
        return await self.permit(worker, url)

    async def permits_in_turns(self) -> bool:
        """Can this gatekeeper tell at once which permits need no waiting (PermitTurns)?"""
        return hasattr(self.gate, "free_now")

    async def leave_many_and_permit_now(
        self, worker: str, lefts: list[tuple[str, float]], urls: list[str]
    ) -> list[float | str | None]:
        """leave(worker, *left) for each left, then for each url what permit(worker, url)
        answers, if it needs no waiting (its robots.txt known, a slot of its origin free),
        else WAIT: the lanes of one fetcher in one call (PermitTurns)."""
        for left in lefts:
            await self.leave(worker, *left)
        return [await self._permit_now(worker, url) for url in urls]

    async def _permit_now(self, worker: str, url: str) -> float | str | None:
        # Nothing here suspends: the rules are asked only when cached, the gate only when a
        # slot is free.
        if not self.robots.knows(url):
            return WAIT
        if not await self.robots.allowed(url):
            return None
        if not self.gate.free_now(origin_of(url), worker):
            return WAIT
        return await self._enter(worker, url)

    async def release_worker(self, worker: str) -> int:
        return await self.gate.release_holder(worker)


@ray.remote(num_cpus=0)
class Fetcher(WebClient):
    """Pulls work: `lanes` loops, each with one URL at a time, so at most `lanes` requests of
    this fetcher are in flight."""

    async def work(self, frontier: Any, gatekeeper: Any, lanes: int) -> int:
        visits = await asyncio.gather(*(self._lane(frontier, gatekeeper) for _ in range(lanes)))
        return sum(visits)

    async def _lane(self, frontier: Any, gatekeeper: Any) -> int:
        visits = 0
        while True:
            batch = await frontier.lease.remote(self.name, 1)
            if not batch:
                if await self._crawl_is_over(frontier):
                    return visits
                continue
            [(url, _depth)] = batch
            visit = await self._visit(url, gatekeeper)
            await frontier.done.remote(self.name, visit)
            visits += 1

    async def _crawl_is_over(self, frontier: Any) -> bool:
        """Asked when nothing is queued. Nothing queued NOW is not the end: a page being
        fetched (here or in another fetcher) may still bring links. Only the frontier knows:
        nothing queued AND nothing leased. Not yet: wait a moment before asking again."""
        if await frontier.finished.remote():
            return True
        await asyncio.sleep(IDLE)
        return False

    async def _visit(self, url: str, gatekeeper: Any) -> Visit:
        start_at = await gatekeeper.permit.remote(self.name, url)
        if start_at is None:
            return Visit.skipped(url, "robots")
        # The gate says WHEN, in wall-clock time shared by every process on the machine; the
        # request starts no earlier, however late this reply was delivered.
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            result = await self.get(url)
        finally:
            # Held until the answer is in: one request per origin at a time (or per_host),
            # and the next one on this slot starts `delay` after this answer came in.
            await gatekeeper.leave.remote(self.name, url, time.time())
        # A big page's links are found in a thread: this fetcher's other lanes keep going.
        return await digest_off_loop(result)


@ray.remote(num_cpus=0)
class CoalescingFetcher(Fetcher.__ray_actor_class__):
    """Fetcher for `dojo crawl` (CrawlOptions.coalesce): the same lanes, with at most two actor
    calls per page instead of four. On a fast site the crawl is bound by the CPU that Ray's calls
    cost (about 1.4 ms each, caller and callee), not by parsing or the network: a lane tells
    the frontier what became of its page with its next lease (done_and_lease), and gives
    back its origin's slot with its next permit (leave_and_permit). The slot is given back
    a little later (after the page's links are found and the next URL leased), but the
    politeness gap still counts from the answer's own time, which the lane keeps; when
    nothing is queued the lane gives it back at once, so no other fetcher waits on an idle
    one.

    The lanes also share their calls (dojo/crawl/turns.py): lanes that finish a page while
    this fetcher's last frontier call is in flight go together in the next one (FrontierTurns);
    with more than one request per origin (--per-host), so do their permits, each lane asking
    on its own only when its permit must wait (PermitTurns). And a page's links that this
    fetcher already offered are not offered again (ToldLinks)."""

    async def work(self, frontier: Any, gatekeeper: Any, lanes: int) -> int:
        self.turns = FrontierTurns(frontier, self.name)
        self.told = ToldLinks()
        shared = await gatekeeper.permits_in_turns.remote()
        self.permits = PermitTurns(gatekeeper, self.name) if shared else None
        return await super().work(frontier, gatekeeper, lanes)

    async def _lane(self, frontier: Any, gatekeeper: Any) -> int:
        visits = 0
        report: Visit | None = None  # the last page's visit, told with the next lease
        left: tuple[str, float] | None = None  # (url, answered at), given back with the next permit
        try:
            while True:
                batch = await self.turns.done_and_lease(report)
                report = None
                if not batch:
                    await self._give_back_now(gatekeeper, left)
                    left = None
                    if await self._crawl_is_over(frontier):
                        return visits
                    continue
                [(url, depth)] = batch
                start_at = await self._permit(gatekeeper, left, url)
                left = None
                visits += 1
                if start_at is None:
                    report = Visit.skipped(url, "robots")
                    continue
                await asyncio.sleep(max(0.0, start_at - time.time()))
                try:
                    result = await self.get(url)
                finally:
                    left = (url, time.time())
                report = self.told.news(await digest_off_loop(result), depth)
        finally:
            await self._give_back_now(gatekeeper, left)

    async def _permit(self, gatekeeper: Any, left: tuple[str, float] | None, url: str) -> Any:
        """gatekeeper.leave_and_permit(left, url): in this fetcher's shared call when the
        gatekeeper can answer at once, else in a call of this lane's own."""
        if self.permits is None:
            return await gatekeeper.leave_and_permit.remote(self.name, left, url)
        start_at = await self.permits.leave_and_permit(left, url)
        if start_at == WAIT:  # `left` was given back in the shared call
            start_at = await gatekeeper.leave_and_permit.remote(self.name, None, url)
        return start_at

    async def _give_back_now(self, gatekeeper: Any, left: tuple[str, float] | None) -> None:
        if left is not None:
            await gatekeeper.leave.remote(self.name, *left)


def _frontier_class(frontier_args: tuple) -> Any:
    """FrontierActor; with a journal (a fifth argument), pinned to the driver's node: the state
    DIR is on the driver's disk, and on a cluster of many nodes the frontier must write there."""
    if len(frontier_args) < 5:
        return FrontierActor
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return FrontierActor.options(scheduling_strategy=here)


class Crawler:
    """One crawl: its actors, how the fetchers are set to work and watched, and what is given
    back when one dies. (A class, so that a variant of this crawler swaps one part and keeps
    the rest: the actor classes are attributes, and each step is a method.)"""

    Fetcher = Fetcher
    Gatekeeper = Gatekeeper

    def __init__(self, options: CrawlOptions | None = None):
        # Options live here, not in run()'s or start_actors()'s arguments: a variant that
        # overrides start_actors keeps its signature, and gets the kata's defaults.
        self.options = options or CrawlOptions()

    async def run(
        self,
        site: Any,
        hits: Any,
        start_url: str,
        *,
        allowed_domains: Iterable[str],
        max_depth: int,
        max_pages: int,
        fetchers: int,
        per_fetcher: int,
        delay: float,
        on_started: Callable[[dict[str, Any]], None] | None = None,
        on_progress: Callable[[dict[str, int]], None] | None = None,
    ) -> CrawlReport:
        """One crawl, from start to report (crawl() below: this is its signature)."""
        site_ref = ray.put(site)  # one copy in the object store, not one pickle per actor
        frontier_args = [start_url], list(allowed_domains), max_depth, max_pages
        if self.options.resume is not None:
            frontier_args += (self.options.resume,)  # FrontierActor's fifth argument
        actors = self.start_actors(site_ref, hits, fetchers, delay, *frontier_args)
        frontier, gatekeeper, crew = actors
        # The actors with an HTTP session: the gatekeeper (a design may have none), the fetchers.
        clients = [actor for actor in (gatekeeper, *crew.values()) if actor is not None]
        try:
            # Actors start in the background; wait until all are up, so the fetchers start
            # working together (and the time measured is the crawl's, not the start-up's).
            await asyncio.gather(frontier.stats.remote(), *(a.ready.remote() for a in clients))
            if on_started is not None:
                on_started(dict(crew))
            began = time.monotonic()
            await self.work_together(crew, frontier, gatekeeper, per_fetcher, on_progress)
            if not await frontier.finished.remote():
                raise RuntimeError("every fetcher died before the crawl was over")
            report = await frontier.report.remote(time.monotonic() - began)
            # (A variant's gatekeeper may keep no Crawl-delays, or be none at all.)
            asked = getattr(gatekeeper, "asked_delays", None)
            if asked is not None:
                report.crawl_delays = await asked.remote()
            return report
        finally:
            # The frontier goes first: after a stop (Ctrl-C) the fetchers are still working,
            # and closing their sessions fails the fetches they have in progress; those
            # failures are no outcomes, and must not reach the frontier's books or journal
            # (a resumed crawl fetches those URLs again: measured, three URLs were lost).
            ray.kill(frontier)
            # Then close the HTTP sessions (a killed actor's open session is reported as
            # "Unclosed client session" in the logs); never wait long for that, then kill.
            closing = [asyncio.ensure_future(a.close.remote()) for a in clients]
            await asyncio.wait(closing, timeout=CLOSE_WITHIN)
            for actor in clients:
                ray.kill(actor)

    def start_actors(
        self, site: Any, hits: Any, fetchers: int, delay: float, *frontier_args: Any
    ) -> tuple[Any, Any | None, dict[str, Any]]:
        """Start the frontier (with FrontierActor's arguments: start URLs, allowed domains,
        max_depth, max_pages), the gatekeeper and `fetchers` fetchers; return (frontier,
        gatekeeper, {name: fetcher}). A design without a gatekeeper returns None for it."""
        frontier = self.start_frontier(*frontier_args)
        return frontier, *self.start_crew(site, hits, fetchers, delay)

    def start_frontier(self, *frontier_args: Any) -> Any:
        """The frontier actor, given FrontierActor's arguments."""
        return _frontier_class(frontier_args).remote(*frontier_args)

    def start_crew(
        self, site: Any, hits: Any, fetchers: int, delay: float
    ) -> tuple[Any, dict[str, Any]]:
        """The gatekeeper and `fetchers` fetchers: (gatekeeper, {name: fetcher})."""
        per_host, max_bytes = self.options.per_host, self.options.max_bytes
        # Positional: a variant's Gatekeeper may take (*args) and hand them on.
        gatekeeper = self.Gatekeeper.remote(site, hits, delay, "gatekeeper", per_host, max_bytes)
        names = [f"fetcher-{i}" for i in range(fetchers)]
        fetcher = CoalescingFetcher if self.options.coalesce else self.Fetcher
        crew = {name: fetcher.remote(site, hits, name, max_bytes) for name in names}
        return gatekeeper, crew

    async def work_together(
        self,
        crew: dict[str, Any],
        frontier: Any,
        gatekeeper: Any,
        per_fetcher: int,
        on_progress: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        """Every fetcher works at the same time: start them all, then watch them until each
        one's work() has returned or raised."""
        working = {
            asyncio.ensure_future(fetcher.work.remote(frontier, gatekeeper, per_fetcher)): name
            for name, fetcher in crew.items()
        }
        while working:
            finished, _ = await asyncio.wait(
                working,
                timeout=PROGRESS_EVERY if on_progress is not None else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if on_progress is not None:
                on_progress(await frontier.stats.remote())
            for call in finished:
                name = working.pop(call)
                try:
                    call.result()
                except ray.exceptions.RayActorError:
                    await self.give_back(name, frontier, gatekeeper)

    async def give_back(self, name: str, frontier: Any, gatekeeper: Any) -> None:
        """The fetcher `name` died. What it held must not die with it: its leased URLs go back
        to the queue (or finished() never comes), and the origins it held in the gate are
        freed (or every request to them waits for ever)."""
        await frontier.release_worker.remote(name)
        if gatekeeper is not None:
            await gatekeeper.release_worker.remote(name)


async def crawl(
    site: Any,
    hits: Any,
    start_url: str,
    *,
    options: CrawlOptions | None = None,
    **settings: Any,
) -> CrawlReport:
    """Crawl `site` from `start_url` with `fetchers` fetcher actors, each with at most
    `per_fetcher` requests in flight, at least `delay` seconds between two requests to one
    origin (across all fetchers), robots.txt obeyed. Survives fetchers dying. The settings
    (keyword-only) are Crawler.run's: allowed_domains, max_depth, max_pages, fetchers,
    per_fetcher, delay, on_started=None, on_progress=None.

    `site=None` crawls the real network (`dojo crawl`). Beyond the kata: `on_progress`, if
    given, gets the frontier's stats() about every PROGRESS_EVERY seconds (a progress bar);
    `options` (CrawlOptions) allows more requests in flight per origin and sets the body cap."""
    return await Crawler(options).run(site, hits, start_url, **settings)
