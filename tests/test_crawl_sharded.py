"""The frontier sharded by origin (dojo/crawl/sharded.py): it finds what the single frontier
finds, deduplicates, keeps max_depth and max_pages, survives a killed fetcher, and never ends
a crawl while links are on their way to a shard."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import pytest
import ray

from dojo.crawl.crawler import Crawler, CrawlOptions
from dojo.crawl.report import FETCHED, SKIPPED, Outcome, Visit
from dojo.crawl.sharded import (
    SPLIT,
    FrontierShard,
    ShardedCrawler,
    ShardedFrontier,
    quiescent,
    shard_of,
)
from dojo.harness.waiting import wait_until
from dojo.web import HitLog, generate_site, site_from_pages

pytestmark = pytest.mark.timeout(120)

DOMAINS = ["example.test"]
SETTINGS = {"allowed_domains": DOMAINS, "fetchers": 2, "per_fetcher": 3, "delay": 0.0}
NO_LIMITS = {"max_depth": 50, "max_pages": 100_000}
SITE, FACTS = generate_site(pages=60, hosts=8, fanout=5, depth=4, latency=0.002, seed=14)
EXPECTED = FACTS.expected_crawl()


def _host_in_shard(shard: int, shards: int, skip: int = 0) -> str:
    """A host name whose origin is owned by `shard` of `shards` (the `skip`-th such)."""
    hosts = (f"h{i}.example.test" for i in itertools.count())
    owned = (h for h in hosts if shard_of(f"http://{h}/", shards) == shard)
    return next(itertools.islice(owned, skip, None))


def _ok(url: str, links: tuple[str, ...] = ()) -> Visit:
    return Visit(url, Outcome(FETCHED, f"200 text/html, {len(links)} links", 200), links)


async def _crawl(crawler: Crawler, site: Any, hits: Any = None, **settings: Any) -> Any:
    merged = {**SETTINGS, **NO_LIMITS, **settings}
    return await crawler.run(site, hits, FACTS.start, **merged)


def _without_depth(outcomes: dict[str, Outcome]) -> dict[str, tuple]:
    return {url: (o.kind, o.reason, o.status) for url, o in outcomes.items()}


def _queued(report: Any) -> int:
    """URLs the crawl queued (what max_pages counts): everything but the skips at offer."""
    at_offer = {"off-domain", "depth", "limit", "url too long"}
    return sum(1 for o in report.outcomes.values() if o.kind != SKIPPED or o.reason not in at_offer)


# -- no Ray: the shard's books and the termination rule ------------------------------------


def test_a_urls_shard_is_a_stable_hash_of_its_origin():
    assert shard_of("http://h1.example.test/a?x=1", 4) == shard_of("http://h1.example.test/", 4)
    assert shard_of("http://h1.example.test:80/b", 4) == shard_of("http://h1.example.test/", 4)
    # Not Python's salted hash(): the value is the same in every process (fixed here).
    assert [shard_of(f"http://h{i}.example.test/", 4) for i in range(8)] == [
        shard_of(f"http://h{i}.example.test/", 4) for i in range(8)
    ]
    assert {shard_of(f"http://h{i}.example.test/", 4) for i in range(40)} == {0, 1, 2, 3}


@pytest.mark.parametrize(
    "options, refused",
    [
        (CrawlOptions(resume=object()), "no resume"),
        (CrawlOptions(coalesce=True), "coalesced calls"),
        (None, "shards >= 1"),
    ],
)
def test_what_the_sharded_crawler_does_not_do_is_refused_at_once(options, refused):
    # A coalesced crawl would start lanes that lease from one frontier, not from shards.
    shards = 0 if options is None else 2
    with pytest.raises(ValueError, match=refused):
        ShardedCrawler(options, shards=shards)


async def test_one_pass_over_the_shards_could_end_the_crawl_early_two_passes_do_not():
    """The race quiescent() is built against: shard 1 is read idle, THEN a fetcher's offer
    reaches it and its done reaches shard 0, THEN shard 0 is read idle. One pass saw every
    shard idle while a URL was queued; the second pass sees it."""
    a = f"http://{_host_in_shard(0, 2)}/"
    b = f"http://{_host_in_shard(1, 2)}/"
    shards = [FrontierShard(i, DOMAINS, 10, 100) for i in range(2)]
    await shards[0].offer([(a, 0)])
    assert await shards[0].lease("w", 1) == [(a, 0)]

    async def one_pass_with_the_race() -> list[tuple[bool, int]]:
        second_shard = await shards[1].quiet()  # idle: b is not there yet
        await shards[1].offer([(b, 1)])  # the fetcher's offer, answered ...
        await shards[0].done("w", _ok(a, ()))  # ... then its done
        first_shard = await shards[0].quiet()  # idle now: a is resolved
        return [first_shard, second_shard]

    readings = await one_pass_with_the_race()
    assert all(idle for idle, _ in readings), "the race: one pass reads every shard idle"

    passes = iter([readings])

    async def read_all() -> list[tuple[bool, int]]:
        return next(passes, None) or [await s.quiet() for s in shards]

    assert not await quiescent(read_all), "b is queued: the crawl is not over"
    assert await shards[1].lease("w", 1) == [(b, 1)]
    await shards[1].done("w", _ok(b))
    assert await quiescent(lambda: asyncio.gather(*(s.quiet() for s in shards)))


async def test_a_shard_deduplicates_and_keeps_the_depth_and_its_page_limit():
    shard = FrontierShard(0, DOMAINS, 2, 3)
    new = await shard.offer([("http://a.example.test/x", 1), ("http://A.example.test/x#f", 1)])
    assert new == 1, "the same canonical URL twice is one URL"
    assert await shard.offer([("http://a.example.test/x", 1)]) == 0
    await shard.offer([("http://a.example.test/deep", 3), ("http://off.test/", 1)])
    await shard.offer([(f"http://a.example.test/{i}", 2) for i in range(4)])
    report = await shard.report()
    reasons = {url: o.reason for url, o in report.outcomes.items()}
    assert reasons["http://a.example.test/deep"] == "depth"
    assert reasons["http://off.test/"] == "off-domain"
    assert sorted(r for r in reasons.values() if r == "limit") == ["limit"] * 2
    assert (await shard.stats())["queued"] == 3


# -- with Ray --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def single_frontier_report(ray_cluster):
    """Today's crawler on SITE: what every sharded crawl below is held to."""
    return asyncio.run(_crawl(Crawler(), SITE))


@pytest.mark.parametrize("shards", [1, 3])
async def test_the_sharded_crawl_finds_what_the_single_frontier_finds(
    shards, single_frontier_report
):
    log = HitLog.remote()
    try:
        report = await _crawl(ShardedCrawler(shards=shards), SITE, log)
        duplicates = await log.duplicates.remote()
        requested = await log.counts.remote()
    finally:
        ray.kill(log)
    single = single_frontier_report
    assert {u for u, o in single.fetched.items() if "text/html" in o.reason} == set(EXPECTED.pages)
    assert _without_depth(report.outcomes) == _without_depth(single.outcomes)
    assert report.discovered == len(report.outcomes) == single.discovered
    assert not duplicates, f"requested twice: {duplicates}"
    assert set(requested) == set(EXPECTED.requested)
    if shards > 1:
        assert report.calls["shard.offer"] > 0, "links were handed to other shards"
        assert report.calls["budget.take"] > 0


def _tree_site(levels: int = 4, children: int = 3, hosts: int = 7) -> tuple[Any, dict]:
    """A tree of pages over `hosts` hosts, each page linking to its children, its parent and
    the root: one shortest path to each page, so its depth is the same in any order."""
    depth_of, pages = {}, {}
    start = "http://h0.example.test/"
    frontier, counter = [start], itertools.count(1)
    depth_of[start] = 0
    for level in range(1, levels + 1):
        below = []
        for parent in frontier:
            kids = [
                f"http://h{n % hosts}.example.test/p{n}.html"
                for n in itertools.islice(counter, children)
            ]
            pages[parent] = kids
            for kid in kids:
                depth_of[kid] = level
                pages[kid] = [parent, start]
            below += kids
        frontier = below
    html = {
        url: "".join(f'<a href="{link}">x</a>' for link in links) for url, links in pages.items()
    }
    return site_from_pages(html), depth_of


async def test_depth_and_outcomes_match_the_single_frontier_on_a_tree(ray_cluster):
    site, depth_of = _tree_site()
    limits = {"max_depth": 2, "max_pages": 100_000}
    single = await _crawl(Crawler(), site, **limits)
    sharded = await _crawl(ShardedCrawler(shards=3), site, **limits)
    assert sharded.outcomes == single.outcomes  # kind, reason, status AND depth
    fetched = {u: o.depth for u, o in sharded.fetched.items() if "text/html" in o.reason}
    assert fetched == {u: d for u, d in depth_of.items() if d <= 2}
    too_deep = {u for u, o in sharded.skipped.items() if o.reason == "depth"}
    assert too_deep == {u for u, d in depth_of.items() if d == 3}


@pytest.mark.parametrize("max_pages", [1, 25])
async def test_max_pages_is_exact_across_shards_with_the_shared_budget(max_pages, ray_cluster):
    single = await _crawl(Crawler(), SITE, max_depth=50, max_pages=max_pages)
    sharded = await _crawl(ShardedCrawler(shards=3), SITE, max_depth=50, max_pages=max_pages)
    assert _queued(single) == _queued(sharded) == max_pages
    assert sharded.discovered == len(sharded.outcomes)
    assert any(o.reason == "limit" for o in sharded.skipped.values())


async def test_a_split_page_limit_never_goes_over(ray_cluster):
    sharded = await _crawl(
        ShardedCrawler(shards=3, page_limit=SPLIT), SITE, max_depth=50, max_pages=25
    )
    assert _queued(sharded) <= 25
    assert "budget.take" not in sharded.calls, "split shares need no budget actor"


async def test_links_in_transit_to_another_shard_keep_the_crawl_going(ray_cluster):
    """The fetcher's order, with real actors: while a page is leased its links may be on
    their way to another shard, so finished() must wait for its done; offered first, they
    are queued before the done arrives."""
    a = f"http://{_host_in_shard(0, 2)}/"
    b = f"http://{_host_in_shard(1, 2)}/"
    frontier = ShardedFrontier.remote([a], DOMAINS, 10, 100, 2)
    try:
        shards = await frontier.shard_handles.remote()
        assert await shards[0].lease.remote("w", 1) == [(a, 0)]
        assert not await frontier.finished.remote(), "a is leased: its links may be in transit"
        assert await shards[1].offer.remote([(b, 1)]) == 1
        assert await shards[0].done.remote("w", _ok(a))
        assert not await frontier.finished.remote(), "b is queued"
        assert await shards[1].lease.remote("w", 1) == [(b, 1)]
        assert not await frontier.finished.remote()
        await shards[1].done.remote("w", _ok(b))
        assert await frontier.finished.remote()
        report = await frontier.report.remote()
        assert set(report.outcomes) == {a, b} and report.discovered == 2
    finally:
        ray.kill(frontier)


async def test_a_killed_fetcher_loses_nothing(ray_cluster):
    site, facts = generate_site(pages=50, hosts=6, fanout=4, depth=3, latency=0.15, seed=3)
    expected = facts.expected_crawl()
    crawler = ShardedCrawler(shards=2)
    crew: dict[str, Any] = {}
    settings = {**SETTINGS, **NO_LIMITS, "per_fetcher": 2}
    task = asyncio.ensure_future(
        crawler.run(site, None, facts.start, on_started=crew.update, **settings)
    )
    try:

        async def victim_holds_a_lease() -> bool:
            return bool(crew) and await crawler.frontier.leases_of.remote("fetcher-0") > 0

        assert await wait_until(victim_holds_a_lease, within=60, interval=0.01)
        ray.kill(crew["fetcher-0"])
        report = await asyncio.wait_for(task, timeout=90)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
    pages = {u for u, o in report.fetched.items() if "text/html" in o.reason}
    assert pages == set(expected.pages)
    assert report.discovered == len(report.outcomes)
    assert report.released >= 1, "the dead fetcher's lease was given back"


async def test_the_shards_and_the_budget_end_with_the_crawl(ray_cluster):
    """Crawler.run kills the frontier it was given, the coordinator: the shards and the
    budget it started die with it (Ray fate-shares an actor with its owner)."""
    await _crawl(ShardedCrawler(shards=3), SITE)
    job = ray.get_runtime_context().get_job_id()

    def left_alive() -> list[str]:
        return [
            actor["ActorClassName"]
            for actor in ray._private.state.actors().values()
            if actor["JobID"] == job
            and actor["State"] != "DEAD"
            and actor["ActorClassName"] in {"FrontierShard", "PageBudget", "ShardedFrontier"}
        ]

    async def all_gone() -> bool:
        return not left_alive()

    assert await wait_until(all_gone, within=20, interval=0.2), left_alive()
