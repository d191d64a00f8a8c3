"""A frontier sharded by origin (issue 14, part 6: toward internet scale, as a simulation).

One frontier actor holds every URL of a crawl and answers every fetcher: its memory and its
one core are the ceiling of the whole crawl. Here the URLs are split over K shard actors by
their origin (scheme://host:port), so a shard's books, queue and CPU are about 1/K of the
crawl's, and a shard could run on another node.

    ShardedFrontier   the crawl's frontier as Crawler.run sees it (stats, finished, report,
                      release_worker): a small coordinator off the hot path, which starts
                      and owns the shards (they die with it: Ray fate-shares an actor with
                      its owner, so Crawler.run's ray.kill(frontier) ends them all).
    FrontierShard     dojo.crawl.frontier.Frontier's books for the origins it owns.
    PageBudget        the crawl-wide max_pages counter, asked for URLs a shard wants to queue.
    ShardedFetcher    the crawler's Fetcher with a lane that leases from the shards.
    ShardedCrawler    the Crawler whose start_frontier and Fetcher use all of the above.

A page's trip: a lane leases a URL from one shard (its home shard first, then the others),
fetches it exactly as the single-frontier crawler does (gatekeeper permit, get, leave), then
hands in what it found: ONE `offer` call to each OTHER shard that owns some of the links,
all answered, and only then `done` to the URL's own shard, carrying the links that shard
owns. That order is what termination rests on (ShardedFrontier.finished).

Choices, and what they cost:

* max_pages, "shared" (default): one PageBudget actor counts URLs queued across the crawl; a
  shard asks it for the URLs it is about to queue (only new ones: duplicates cost nothing).
  The limit is exactly the single frontier's: never more than max_pages queued, and exactly
  max_pages when the site has that many. Cost: one shard -> budget call per offer or done
  that brings new URLs (bench/crawl_sharded.py counts them). "split": each shard gets its
  share of max_pages (no calls), which can stop short: a shard whose origins run out leaves
  its share unused while another refuses URLs. With one shard there is no budget at all.
* depth: the single frontier's rule, per URL in its own shard: a URL is queued at the depth
  of the first offer that reaches its shard (a link: page depth + 1; a redirect target: the
  page's depth), deeper than max_depth is skipped, and a "depth" skip may come back
  shallower. Neither frontier is strictly breadth-first with many lanes; sharding makes the
  order across origins looser still, so on a site with shortcuts (cross links) a page may be
  given a larger depth than its shortest path, exactly as it may be with many lanes today.
* dedup: a URL belongs to exactly one shard (a stable hash of its origin, never Python's
  salted hash()), so that shard's books deduplicate it as the single frontier's do.
* no `--state` (journal and resume) for the sharded frontier.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ray

from dojo.crawl.crawler import IDLE, Crawler, CrawlOptions, Fetcher
from dojo.crawl.frontier import Frontier
from dojo.crawl.report import CrawlReport, Visit
from dojo.crawl.urls import origin_of

SHARED, SPLIT = "shared", "split"  # how max_pages is kept across shards (module docstring)


def shard_of(url: str, shards: int) -> int:
    """The shard that owns `url`: a stable hash of its origin."""
    try:
        origin = origin_of(url)
    except ValueError:
        origin = ""  # not a URL anyone can fetch: its shard skips or drops it
    return stable_index(origin, shards)


def stable_index(text: str, n: int) -> int:
    """0..n-1 from `text`, the same in every process and every run (Python's hash() of a str
    is salted per process, so two fetchers would disagree on a URL's shard)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n


@dataclass
class ShardedReport(CrawlReport):
    """A CrawlReport, plus how many calls each kind of actor method received during the crawl
    (shards, the budget, the coordinator): what a page costs in actor calls."""

    calls: dict[str, int] = field(default_factory=dict)


@ray.remote(num_cpus=0)
class PageBudget:
    """The crawl-wide max_pages: how many more URLs may still be queued, in any shard."""

    def __init__(self, max_pages: int):
        self.left = max_pages
        self.calls: Counter[str] = Counter()

    def take(self, wanted: int) -> int:
        """Up to `wanted` of the URLs still allowed, now spent: the caller queues that many."""
        self.calls["budget.take"] += 1
        granted = min(wanted, self.left)
        self.left -= granted
        return granted

    def call_counts(self) -> dict[str, int]:
        return dict(self.calls)


class FrontierShard(Frontier):
    """The Frontier's books for the URLs of the origins this shard owns. The parent's code does
    the deduplication, the off-domain and depth rules, leases and outcomes; max_pages is
    applied here instead (the parent sees no limit), through the PageBudget when there is one.

    Unlike the parent's, two methods may wait (for the budget). URLs waiting for it are
    `_pending`: still open (a second offer of one is a duplicate) and not idle. Every call
    that changes the books bumps `_version`, which only grows: ShardedFrontier.finished
    compares it across two readings."""

    def __init__(
        self,
        index: int,
        allowed_domains: Iterable[str],
        max_depth: int,
        page_limit: int | None,
        budget: Any = None,
    ):
        # The parent's limit never binds (sys.maxsize); this shard's is page_limit (its share,
        # or max_pages with one shard) or, with budget, the budget's. Seeds come by offer().
        super().__init__([], allowed_domains, max_depth, sys.maxsize)
        self.index = index
        self.page_limit = page_limit
        self.budget = budget
        self._pending = 0
        self._version = 0
        self.calls: Counter[str] = Counter()

    # -- the calls the fetchers make ------------------------------------------------------

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        # A dead worker's lease call may arrive after release_worker: it gets nothing (else
        # its URL would stay leased for ever and the crawl would never finish).
        batch = [] if worker in self._gone else await super().lease(worker, n)
        self.calls["shard.lease" if batch else "shard.lease_empty"] += 1
        if batch:
            self._version += 1
        return batch

    async def offer(self, links: list[tuple[str, int]]) -> int:
        """URLs of this shard's origins found by a fetcher on another shard's page, each with
        the depth it was found at. Returns how many were new to this shard."""
        self.calls["shard.offer"] += 1
        self._version += 1
        queued_before = len(self._queue)
        for link, depth in links:
            self._offer(link, depth)
        return await self._admit(self._take_back(queued_before))

    async def done(self, worker: str, visit: Visit) -> bool:
        """The parent's done; the links in `visit` are only those this shard owns (the fetcher
        has offered the others to their shards, and had their answers, before this call)."""
        self.calls["shard.done"] += 1
        self._version += 1
        queued_before = len(self._queue)
        held = await super().done(worker, visit)  # never suspends: the books change at once
        await self._admit(self._take_back(queued_before))
        return held

    async def release_worker(self, worker: str) -> int:
        self.calls["shard.release_worker"] += 1
        self._version += 1
        return await super().release_worker(worker)

    # -- max_pages ------------------------------------------------------------------------

    def _take_back(self, queued_before: int) -> list[tuple[str, int]]:
        """The URLs the parent's code just queued (new, allowed, not too deep), taken off the
        queue again to be admitted by the page limit. They stay in `_open`: offered again
        meanwhile, they are duplicates."""
        fresh = [self._queue.pop() for _ in range(len(self._queue) - queued_before)]
        fresh.reverse()
        self._accepted -= len(fresh)
        return fresh

    async def _admit(self, fresh: list[tuple[str, int]]) -> int:
        """Queue as many of `fresh` as the page limit allows, in order; skip the rest
        ("limit", as the single frontier does)."""
        if not fresh:
            return 0
        self._pending += len(fresh)
        try:
            granted = await self._grant(len(fresh))
        finally:
            self._pending -= len(fresh)
        for url, depth in fresh[:granted]:
            self._accepted += 1
            self._queue.append((url, depth))
        for url, depth in fresh[granted:]:
            self._open.discard(url)
            self._skip(url, "limit", depth)
        self._version += 1
        return len(fresh)

    async def _grant(self, wanted: int) -> int:
        if self.budget is not None:
            return await self.budget.take.remote(wanted)
        return max(0, min(wanted, self.page_limit - self._accepted))

    # -- what the coordinator asks ---------------------------------------------------------

    async def quiet(self) -> tuple[bool, int]:
        """(idle, version): idle is nothing queued, leased, or waiting for the budget."""
        self.calls["shard.quiet"] += 1
        idle = not self._queue and not self._leases and not self._pending
        return idle, self._version

    async def leases_of(self, worker: str) -> int:
        return len(self._leases.get(worker, {}))

    async def call_counts(self) -> dict[str, int]:
        return dict(self.calls)


FrontierShardActor = ray.remote(num_cpus=0)(FrontierShard)


async def quiescent(read_all: Callable[[], Awaitable[list[tuple[bool, int]]]]) -> bool:
    """Is a sharded crawl over? `read_all()` reads every shard's (idle, version), the readings
    of one call all taken after the previous call's returned.

    One pass is not enough: a shard read idle early in the pass may receive an offer right
    after, from a fetcher whose `done` then reaches a shard read idle later in the same pass;
    every reading says idle, yet a URL is queued. So: two passes, and over only if every
    shard was idle in both AND no version changed between them. Why that is safe: take a
    moment T after the first pass's last reading and before the second pass's first one. A
    shard's version only grows, and grows with every call that changes its books, so a shard
    with the same version in both passes received no such call between its two readings,
    which enclose T: at T it was as in the first pass, idle. So at T every shard was idle at
    once: nothing queued, nothing leased, nothing waiting for the budget. And no link was in
    transit at T: a fetcher offers a page's links to other shards, and waits for their
    answers, BEFORE it reports `done` to the page's shard, so links in transit always come
    with a lease held somewhere. With nothing queued or leased no fetcher can find work
    again: the crawl was over at T and stays over."""
    first = await read_all()
    if not all(idle for idle, _ in first):
        return False
    return await read_all() == first


@ray.remote(num_cpus=0)
class ShardedFrontier:
    """The frontier as Crawler.run, work_together and give_back see it (stats, finished,
    report, release_worker), and where each fetcher finds the shards. It starts the shards
    and the budget, so it owns them: killing it kills them (Ray's owner fate-sharing)."""

    def __init__(
        self,
        seeds: Iterable[str],
        allowed_domains: Iterable[str],
        max_depth: int,
        max_pages: int,
        shards: int,
        page_limit: str = SHARED,
    ):
        allowed = list(allowed_domains)
        self.budget = None
        if shards > 1 and page_limit == SHARED:
            self.budget = PageBudget.remote(max_pages)
        limits = _shard_limits(max_pages, shards, shared=self.budget is not None)
        self.shards = [
            FrontierShardActor.remote(i, allowed, max_depth, limit, self.budget)
            for i, limit in enumerate(limits)
        ]
        self.calls: Counter[str] = Counter()
        # The seeds go to their shards now; every method waits for them first (an __init__
        # cannot await), so no fetcher ever starts before the seeds are queued.
        by_shard = _group_by_shard([(seed, 0) for seed in seeds], shards)
        self._seeded = [self.shards[i].offer.remote(links) for i, links in by_shard.items()]

    async def _ready(self) -> None:
        if self._seeded:
            await asyncio.gather(*self._seeded)
            self._seeded = []

    async def shard_handles(self) -> list[Any]:
        await self._ready()
        return self.shards

    async def finished(self) -> bool:
        """True only when no shard has anything queued, leased or waiting for the budget,
        and no link is on its way to a shard: see quiescent()."""
        self.calls["frontier.finished"] += 1
        await self._ready()
        return await quiescent(self._read_all)

    async def _read_all(self) -> list[tuple[bool, int]]:
        return await asyncio.gather(*(shard.quiet.remote() for shard in self.shards))

    async def stats(self) -> dict:
        self.calls["frontier.stats"] += 1
        await self._ready()
        every = await asyncio.gather(*(shard.stats.remote() for shard in self.shards))
        return {key: sum(one[key] for one in every) for key in every[0]}

    async def release_worker(self, worker: str) -> int:
        self.calls["frontier.release_worker"] += 1
        held = await asyncio.gather(*(s.release_worker.remote(worker) for s in self.shards))
        return sum(held)

    async def leases_of(self, worker: str) -> int:
        """How many URLs `worker` holds now, in all shards (tests kill a fetcher holding one)."""
        return sum(await asyncio.gather(*(s.leases_of.remote(worker) for s in self.shards)))

    async def call_counts(self) -> dict[str, int]:
        """Calls received so far by the shards, the budget and this coordinator."""
        counts = Counter(self.calls)
        every = [shard.call_counts.remote() for shard in self.shards]
        if self.budget is not None:
            every.append(self.budget.call_counts.remote())
        for one in await asyncio.gather(*every):
            counts.update(one)
        return dict(counts)

    async def report(self, elapsed: float = 0.0) -> ShardedReport:
        """The books of every shard, as one report (each URL is in exactly one shard)."""
        await self._ready()
        reports = await asyncio.gather(*(shard.report.remote(elapsed) for shard in self.shards))
        outcomes: dict = {}
        for one in reports:
            outcomes.update(one.outcomes)
        return ShardedReport(
            outcomes,
            sum(one.discovered for one in reports),
            elapsed,
            sum(one.released for one in reports),
            calls=await self.call_counts(),
        )


def _shard_limits(max_pages: int, shards: int, shared: bool) -> list[int | None]:
    """Each shard's own page limit: none with a shared budget, else its share of max_pages
    (the first `max_pages % shards` shards one more)."""
    if shared:
        return [None] * shards
    share, extra = divmod(max_pages, shards)
    return [share + (1 if i < extra else 0) for i in range(shards)]


def _group_by_shard(links: Iterable[tuple[str, int]], shards: int) -> dict[int, list]:
    by_shard: dict[int, list] = defaultdict(list)
    for link, depth in links:
        by_shard[shard_of(link, shards)].append((link, depth))
    return by_shard


class _ShardedFetcher(Fetcher.__ray_actor_class__):
    """The crawler's Fetcher (its _visit: permit, get, leave, digest) with lanes that lease
    from the shards and hand in each page's links by shard."""

    _finished_check: asyncio.Future | None = None

    async def work(self, frontier: Any, gatekeeper: Any, lanes: int) -> int:
        shards = await frontier.shard_handles.remote()
        home = stable_index(self.name, len(shards))  # lanes start at home, home + 1, ...
        visits = await asyncio.gather(
            *(self._lane(frontier, shards, gatekeeper, home + lane) for lane in range(lanes))
        )
        return sum(visits)

    async def _lane(self, frontier: Any, shards: list, gatekeeper: Any, home: int) -> int:
        visits = 0
        while True:
            leased = await self._lease_anywhere(shards, home)
            if leased is None:
                if await self._crawl_is_over(frontier):
                    return visits
                continue
            own, (url, depth) = leased
            visit = await self._visit(url, gatekeeper)
            await self._hand_in(shards, own, visit, depth)
            visits += 1

    async def _lease_anywhere(self, shards: list, home: int) -> tuple[int, tuple] | None:
        """(shard index, (url, depth)) from the lane's home shard, else the next ones in turn;
        None when every shard had nothing queued (which is not the end of the crawl)."""
        for step in range(len(shards)):
            index = (home + step) % len(shards)
            batch = await shards[index].lease.remote(self.name, 1)
            if batch:
                return index, batch[0]
        return None

    async def _hand_in(self, shards: list, own: int, visit: Visit, depth: int) -> None:
        """The links other shards own go to them first, one call per shard, all answered;
        then `done` to the page's own shard with the links it owns. In that order a link on
        its way to a shard always comes with a lease still held (quiescent() rests on it)."""
        others: dict[int, list[tuple[str, int]]] = defaultdict(list)
        own_redirect, own_links = None, []
        if visit.redirect:  # first, as Frontier.done offers it; a hop: at the page's depth
            index = shard_of(visit.redirect, len(shards))
            if index == own:
                own_redirect = visit.redirect
            else:
                others[index].append((visit.redirect, depth))
        for link in visit.links:
            index = shard_of(link, len(shards))
            if index == own:
                own_links.append(link)
            else:
                others[index].append((link, depth + 1))
        if others:
            await asyncio.gather(*(shards[i].offer.remote(links) for i, links in others.items()))
        mine = Visit(visit.url, visit.outcome, tuple(own_links), own_redirect)
        await shards[own].done.remote(self.name, mine)

    async def _crawl_is_over(self, frontier: Any) -> bool:
        """Asked by a lane that found every shard empty. The lanes of this fetcher share one
        question in flight (it costs 2 x shards calls to the coordinator's shards); not over
        yet: wait a moment before leasing again."""
        if self._finished_check is None or self._finished_check.done():
            self._finished_check = asyncio.ensure_future(frontier.finished.remote())
        if await asyncio.shield(self._finished_check):
            return True
        await asyncio.sleep(IDLE)
        return False


ShardedFetcher = ray.remote(num_cpus=0)(_ShardedFetcher)


class ShardedCrawler(Crawler):
    """The Crawler with its frontier split by origin over `shards` shard actors. run(),
    work_together() and give_back() are the Crawler's: they talk to the ShardedFrontier as
    to a frontier."""

    Fetcher = ShardedFetcher

    def __init__(
        self, options: CrawlOptions | None = None, shards: int = 2, page_limit: str = SHARED
    ):
        super().__init__(options)
        if self.options.resume is not None:
            raise ValueError("the sharded frontier keeps no journal: no --state, no resume")
        if self.options.coalesce:
            # CoalescingFetcher's lanes lease from one frontier; the sharded lanes from shards.
            raise ValueError("coalesced calls are not built for the sharded frontier")
        if shards < 1 or page_limit not in (SHARED, SPLIT):
            raise ValueError(f"need shards >= 1 and page_limit {SHARED!r} or {SPLIT!r}")
        self.shards = shards
        self.page_limit = page_limit
        self.frontier: Any = None  # the ShardedFrontier of the crawl running (tests watch it)

    def start_frontier(self, *frontier_args: Any) -> Any:
        self.frontier = ShardedFrontier.remote(*frontier_args, self.shards, self.page_limit)
        return self.frontier


async def sharded_crawl(
    site: Any,
    hits: Any,
    start_url: str,
    *,
    shards: int = 2,
    page_limit: str = SHARED,
    options: CrawlOptions | None = None,
    **settings: Any,
) -> ShardedReport:
    """dojo.crawl.crawler.crawl with the frontier split by origin over `shards` actors."""
    crawler = ShardedCrawler(options, shards=shards, page_limit=page_limit)
    return await crawler.run(site, hits, start_url, **settings)
