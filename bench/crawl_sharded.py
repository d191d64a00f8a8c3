"""Toward internet scale (simulation): the frontier sharded by origin (dojo/crawl/sharded.py)
against today's single frontier, and what a frontier's books cost per 1,000 queued URLs.

    .venv/bin/python bench/crawl_sharded.py            # 20,000 pages over 200 hosts
    .venv/bin/python bench/crawl_sharded.py --quick    # 300 pages, seconds (tests)

The site is generated (dojo.web.generate_site), mocked, zero latency and zero politeness
delay: only the crawler's own work, as fast as it goes. It is crawled by today's crawler (one
FrontierActor) and by ShardedCrawler with K = 1, 2, 4 shards (max_pages kept by the shared
PageBudget actor), plus K = 4 with the page limit split into shares (no budget calls: the
budget's cost). Every crawl is checked: every page the site's facts predict, no other, every
discovered URL resolved ("right"), and every URL with the single frontier's outcome ("same").

Actor calls are counted where they arrive (the frontier or its shards, the budget, the
coordinator, the gatekeeper), per page; "idle" calls are leases that found nothing and
finished()/quiet() checks. CPU seconds are each process's user + system time during the
crawl (psutil, as bench/crawl_efficiency.py measures them).

Memory per 1,000 queued URLs: a Frontier filled with N URLs of ~50 characters (200 hosts),
measured in this process with tracemalloc (its books: queue, open set, the URL strings) and
in a FrontierActor's process as the RSS it grows by when one `done` brings N links.
Numbers only: nothing here asserts a time (a wrong crawl raises).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository

from rich.table import Table

from bench import crawl_common as common
from bench.crawl_common import ray  # Ray imported after prepare_environment()
from dojo.crawl.crawler import Crawler, Gatekeeper
from dojo.crawl.frontier import Frontier, FrontierActor
from dojo.crawl.report import FETCHED, Outcome, Visit
from dojo.crawl.sharded import SHARED, SPLIT, ShardedCrawler

FULL_SITE = common.SiteSpec(20_000, 200, 8, 6, 0.0)
QUICK_SITE = common.SiteSpec(300, 20, 5, 4, 0.0)
FULL_FILLS, QUICK_FILLS = (10_000, 100_000), (10_000,)
FRONTIER_SIDE = {"CountingFrontier", "ShardedFrontier", "FrontierShard", "PageBudget"}
FRONTIER_BOOKS = {"CountingFrontier", "FrontierShard"}  # the processes holding URLs


# -- counting the calls each actor receives --------------------------------------------------


class CountingFrontier(Frontier):
    """Today's Frontier, counting the calls it receives (as the shards count theirs)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.calls: Counter[str] = Counter()

    async def lease(self, worker: str, n: int = 1) -> list:
        batch = await super().lease(worker, n)
        self.calls["frontier.lease" if batch else "frontier.lease_empty"] += 1
        return batch

    async def done(self, worker: str, visit: Visit) -> bool:
        self.calls["frontier.done"] += 1
        return await super().done(worker, visit)

    async def finished(self) -> bool:
        self.calls["frontier.finished"] += 1
        return await super().finished()

    async def call_counts(self) -> dict[str, int]:
        return dict(self.calls)


class _CountingGatekeeper(Gatekeeper.__ray_actor_class__):
    async def permit(self, worker: str, url: str) -> float | None:
        self._count("gatekeeper.permit")
        return await super().permit(worker, url)

    async def leave(self, worker: str, url: str, done_at: float) -> None:
        self._count("gatekeeper.leave")
        await super().leave(worker, url, done_at)

    def _count(self, call: str) -> None:
        self.__dict__.setdefault("calls", Counter())[call] += 1

    async def call_counts(self) -> dict[str, int]:
        return dict(self.__dict__.get("calls", {}))


CountingFrontierActor = ray.remote(num_cpus=0)(CountingFrontier)
CountingGatekeeper = ray.remote(num_cpus=0)(_CountingGatekeeper)


class CountsCalls:
    """For a Crawler subclass: once every fetcher is done, the frontier's and the gatekeeper's
    call counts are kept in self.calls (the actors are killed when run() returns)."""

    Gatekeeper = CountingGatekeeper
    calls: dict[str, int]

    async def work_together(self, crew, frontier, gatekeeper, per_fetcher, on_progress=None):
        await super().work_together(crew, frontier, gatekeeper, per_fetcher, on_progress)
        counts = Counter(await frontier.call_counts.remote())
        counts.update(await gatekeeper.call_counts.remote())
        self.calls = dict(counts)


class CountedSingleCrawler(CountsCalls, Crawler):
    def start_actors(self, site, hits, fetchers, delay, *frontier_args):
        # Crawler.start_actors with the counting frontier (its FrontierActor is not an
        # attribute to swap).
        frontier = CountingFrontierActor.remote(*frontier_args)
        per_host, max_bytes = self.options.per_host, self.options.max_bytes
        gatekeeper = self.Gatekeeper.remote(site, hits, delay, "gatekeeper", per_host, max_bytes)
        names = [f"fetcher-{i}" for i in range(fetchers)]
        crew = {name: self.Fetcher.remote(site, hits, name, max_bytes) for name in names}
        return frontier, gatekeeper, crew


class CountedShardedCrawler(CountsCalls, ShardedCrawler):
    pass


# -- one crawl --------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    seconds: float  # the crawler's own clock: actors up, first lease to the end
    pages: int
    calls: dict[str, int]
    cpu: dict[str, float]  # process kind -> CPU seconds during the crawl
    busiest: tuple[float, str]  # CPU seconds and class of the busiest frontier-side process
    frontier_rss: list[int]  # peak RSS of each process holding URLs
    load: float  # the 1-minute load average as the crawl began
    right: bool
    same: bool

    @property
    def per_page(self) -> float:
        return sum(self.calls.values()) / self.pages


def crawl_once(
    name: str, crawler: Any, site: Any, facts: Any, pages: int, args: Any
) -> tuple[Run, Any]:
    gc.collect()
    load = os.getloadavg()[0]
    watch = common.MemoryWatch()
    settings = dict(
        common.NO_LIMIT,
        allowed_domains=common.ALLOWED_MOCK,
        fetchers=args.fetchers,
        per_fetcher=args.per_fetcher,
        delay=0.0,
    )

    async def watched() -> Any:
        sampler = asyncio.ensure_future(watch.run())
        try:
            return await crawler.run(
                site, None, facts.start, on_started=watch.find_actors, **settings
            )
        finally:
            sampler.cancel()
            watch.sample()

    report = asyncio.run(watched())
    frontier_rss = [
        watch.actor_peak.get(pid, 0) for pid, kind in watch.actors.items() if kind in FRONTIER_BOOKS
    ]
    run = Run(
        name,
        report.elapsed,
        pages,
        crawler.calls,
        cpu_by_kind(watch.cpu_by_class()),
        busiest_frontier_process(watch),
        frontier_rss,
        load,
        common.crawl_is_right(report, facts, None),
        same=True,
    )
    return run, report


def busiest_frontier_process(watch: common.MemoryWatch) -> tuple[float, str]:
    """CPU seconds and class of the frontier-side process that spent most: the one core a
    crawl's pages all go through (the single frontier), or the busiest of the shards, the
    budget and the coordinator."""
    return max(
        (watch.cpu_seen.get(pid, 0.0) - watch.cpu_began.get(pid, 0.0), kind)
        for pid, kind in watch.actors.items()
        if kind in FRONTIER_SIDE
    )


def cpu_by_kind(by_class: dict[str, float]) -> dict[str, float]:
    kinds: dict[str, float] = Counter()
    for name, seconds in by_class.items():
        if name in FRONTIER_SIDE:
            kinds["frontier"] += seconds
        elif "Gatekeeper" in name:
            kinds["gatekeeper"] += seconds
        elif "Fetcher" in name:
            kinds["fetchers"] += seconds
        else:
            kinds[name] += seconds
    return dict(kinds)


def same_outcomes(a: Any, b: Any) -> bool:
    """The same URLs, each with the same kind, reason and status (depth aside: with many
    lanes neither frontier is strictly breadth-first, see dojo/crawl/sharded.py)."""

    def strip(report: Any) -> dict[str, tuple]:
        return {url: (o.kind, o.reason, o.status) for url, o in report.outcomes.items()}

    return strip(a) == strip(b)


def crawlers(quick: bool) -> list[tuple[str, Any]]:
    shards = (1, 2) if quick else (1, 2, 4)
    made: list[tuple[str, Any]] = [("single frontier (today)", CountedSingleCrawler())]
    for k in shards:
        made.append((f"sharded K={k}", CountedShardedCrawler(shards=k, page_limit=SHARED)))
    k = shards[-1]
    made.append((f"sharded K={k}, split limit", CountedShardedCrawler(shards=k, page_limit=SPLIT)))
    return made


def crawl_all(site: Any, facts: Any, args: Any, console: Any) -> list[list[Run]]:
    """Every crawler, `args.runs` rounds; each round starts one crawler later than the last
    (a machine that gets busier mid-round then does not always stretch the same rows)."""
    pages = len(facts.expected_crawl().pages)
    first = single_report = None
    by_name: dict[str, list[Run]] = {}
    for round_ in range(args.runs):
        made = crawlers(args.quick)
        shift = round_ % len(made)
        for name, crawler in made[shift:] + made[:shift]:
            console.print(f"[dim]round {round_ + 1}: {name} ...[/dim]")
            run, report = crawl_once(name, crawler, site, facts, pages, args)
            first = first or report  # the outcomes every other crawl is compared with
            if isinstance(crawler, CountedSingleCrawler):
                single_report = single_report or report
            run.same = same_outcomes(report, first)
            by_name.setdefault(name, []).append(run)
            del report
    wrong = [r.name for runs in by_name.values() for r in runs if not (r.right and r.same)]
    if wrong:
        raise SystemExit(f"wrong crawls: {wrong}")
    return [by_name[name] for name, _ in crawlers(args.quick)]


def median_run(runs: list[Run]) -> Run:
    """The run with the median time (its other columns are that run's)."""
    return sorted(runs, key=lambda r: r.seconds)[(len(runs) - 1) // 2]


def calls_table(by_crawler: list[list[Run]], spec: common.SiteSpec, args: Any) -> Table:
    t = Table(
        title=f"{spec.name}, mocked, delay 0, {args.fetchers} fetchers x {args.per_fetcher}: "
        f"single frontier vs sharded by origin (median of {args.runs}); calls per page"
    )
    for col in ("crawler", "load", "pages", "s", "pages/s", "calls/page", "lease+done",
                "idle", "offer", "gate", "budget", "right", "same"):  # fmt: skip
        t.add_column(col, justify="left" if col == "crawler" else "right")
    for runs in by_crawler:
        r = median_run(runs)
        t.add_row(
            r.name, f"{r.load:.1f}", str(r.pages), f"{r.seconds:.1f}",
            f"{r.pages / r.seconds:.0f}", f"{r.per_page:.2f}",
            *(f"{x:.2f}" for x in breakdown(r)),
            yes(all(x.right for x in runs)), yes(all(x.same for x in runs)),
        )  # fmt: skip
    return t


def cpu_table(by_crawler: list[list[Run]]) -> Table:
    t = Table(title="The same crawls: CPU by process, and memory of the processes holding URLs")
    for col in ("crawler", "CPU ms/page", "CPU s = frontier side + gatekeeper + fetchers + "
                "driver", "busiest frontier-side process: CPU s", "its ceiling pages/s",
                "URL books peak RSS MB"):  # fmt: skip
        t.add_column(col, justify="left" if col == "crawler" else "right")
    for runs in by_crawler:
        r = median_run(runs)
        seconds, kind = r.busiest
        t.add_row(
            r.name, f"{1000 * sum(r.cpu.values()) / r.pages:.1f}", cpu_note(r),
            f"{seconds:.1f} ({kind})", f"{r.pages / seconds:.0f}",
            " + ".join(common.mb(x) for x in r.frontier_rss),
        )  # fmt: skip
    return t


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def breakdown(r: Run) -> tuple[float, ...]:
    """Calls per page: lease (that got a URL) + done, idle (empty leases, finished and
    quiet checks), offer, gate (permit + leave), budget."""

    def calls(*suffixes: str) -> float:
        n = sum(v for k, v in r.calls.items() if k.endswith(suffixes))
        return n / r.pages

    return (
        calls(".lease", ".done"),
        calls(".lease_empty", ".finished", ".quiet"),
        calls(".offer"),
        calls(".permit", ".leave"),
        calls("budget.take"),
    )


def cpu_note(r: Run) -> str:
    parts = [r.cpu.get(kind, 0.0) for kind in ("frontier", "gatekeeper", "fetchers", "driver")]
    return f"{sum(parts):.1f} = " + " + ".join(f"{p:.1f}" for p in parts)


# -- memory per 1,000 queued URLs -------------------------------------------------------------


def some_urls(n: int) -> list[str]:
    """N distinct URLs like a crawl's: 200 hosts, a section, a page (~50 characters)."""
    return [f"http://h{i % 200}.example.test/docs/section-{i % 37}/page-{i}.html" for i in range(n)]


def books_bytes(n: int) -> tuple[int, float]:
    """Bytes a Frontier's books grow by with N URLs queued (tracemalloc, this process); and
    the mean URL length."""
    urls = some_urls(n)
    mean_length = sum(map(len, urls)) / n
    frontier = Frontier([], common.ALLOWED_MOCK, 10, 10**9)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for url in urls:
        frontier._offer(url, 1)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del urls  # the frontier's canonical copies are what it holds
    return after - before, mean_length


async def actor_rss_growth(n: int) -> int:
    """RSS a FrontierActor's process grows by when one `done` brings N new links."""
    seed = "http://h0.example.test/"
    frontier = FrontierActor.remote([seed], common.ALLOWED_MOCK, 10, 10**9)
    try:
        await frontier.lease.remote("bench", 1)
        pid = _actor_pid(frontier)
        before = common.rss(pid)
        links = tuple(some_urls(n))
        outcome = Outcome(FETCHED, f"200 text/html, {n} links", 200)
        await frontier.done.remote("bench", Visit(seed, outcome, links))
        queued = (await frontier.stats.remote())["queued"]
        assert queued == n, f"{queued} queued of {n}"
        await asyncio.sleep(0.2)
        return common.rss(pid) - before
    finally:
        ray.kill(frontier)


def _actor_pid(handle: Any) -> int:
    actor_id = handle._actor_id.hex()
    for actor in ray._private.state.actors().values():
        if actor["ActorID"] == actor_id:
            return actor["Pid"]
    raise RuntimeError("the frontier actor's pid was not found")


def memory_table(fills: tuple[int, ...]) -> Table:
    t = Table(title="A frontier's memory per 1,000 queued URLs")
    for col in ("URLs queued", "mean URL chars", "books (tracemalloc) kB / 1,000 URLs",
                "FrontierActor RSS growth kB / 1,000 URLs"):  # fmt: skip
        t.add_column(col, justify="right")
    for n in fills:
        books, mean_length = books_bytes(n)
        grown = asyncio.run(actor_rss_growth(n))
        t.add_row(
            f"{n:,}", f"{mean_length:.0f}", f"{books / n:.0f}", f"{grown / n:.0f}"
        )  # per URL in bytes = per 1,000 in KB
    return t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small site, seconds")
    parser.add_argument("--fetchers", type=int, default=2)
    parser.add_argument("--per-fetcher", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1, help="rounds of every crawler")
    args = parser.parse_args()
    spec = QUICK_SITE if args.quick else FULL_SITE
    console = common.started_console(width=200)
    console.print(f"[dim]generating {spec.name} ...[/dim]")
    site, facts = spec.generate()
    by_crawler = crawl_all(site, facts, args, console)
    console.print(calls_table(by_crawler, spec, args))
    console.print(cpu_table(by_crawler))
    console.print(
        "load: the 1-minute load average as that crawl began. calls/page: calls received by "
        "the frontier (or shards, coordinator, budget) and the gatekeeper, per HTML page; "
        "idle: empty leases and finished/quiet checks. Its ceiling: pages / the busiest "
        "frontier-side process's CPU seconds, what that one core allows however many cores "
        "the fetchers get. URL books RSS: peak RSS of each process holding URLs."
    )
    console.print(memory_table(QUICK_FILLS if args.quick else FULL_FILLS))
    console.print(common.load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
