"""What bench/crawl_efficiency.py and bench/crawl_scaling.py share: sites, bounds, one timed run
of the reference crawler with its memory watched, and the check that a crawl fetched the pages
the site's facts predict (a ratio of a wrong crawl means nothing)."""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dojo.cluster import ray_runtime  # noqa: E402

ray_runtime.prepare_environment()  # before `import ray`: see dojo.cluster.ray_runtime
import ray  # noqa: E402
from rich.console import Console  # noqa: E402

from bench.baselines import run_in_worker  # noqa: E402
from dojo.crawl.crawler import crawl  # noqa: E402
from dojo.crawl.report import FETCHED, SKIPPED, CrawlReport  # noqa: E402
from dojo.web import ServedSite, Site, SiteFacts, generate_site, host_of  # noqa: E402

MB = 1024 * 1024
ALLOWED_MOCK = ["example.test"]  # generated hosts are h0.example.test, h1...
ALLOWED_REAL = ["127.0.0.1"]  # served: every fake host is a port on 127.0.0.1
NO_LIMIT = {"max_depth": 1000, "max_pages": 10**7}


def started_console(width: int) -> Console:
    """A console for a benchmark's tables, once Ray is up: it says how busy the machine is,
    and which Ray."""
    console = Console(width=width)
    console.print(load_line())
    console.print(f"Ray: {ray_runtime.start_or_connect()}")
    return console


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores "
        "(a busy machine stretches every time below)"
    )


@dataclass(frozen=True)
class SiteSpec:
    pages: int
    hosts: int
    fanout: int
    depth: int
    latency: float
    seed: int = 0

    @property
    def name(self) -> str:
        ms = f"{self.latency * 1000:g} ms"
        return f"{self.pages} p / {self.hosts} h / fan {self.fanout} / depth {self.depth} / {ms}"

    def generate(self) -> tuple[Site, SiteFacts]:
        return generate_site(
            pages=self.pages,
            hosts=self.hosts,
            fanout=self.fanout,
            depth=self.depth,
            latency=self.latency,
            seed=self.seed,
        )


@dataclass(frozen=True)
class Bounds:
    """Seconds no crawler can beat on a site (see crawl_efficiency.py's docstring)."""

    requests: int  # what a correct crawl requests (pages, files, 404s, hops, robots.txt)
    issue: float  # the issue's: max(critical path, (n-1) x delay per host, work / lanes)
    crawler_rule: float  # the same with the crawler's politeness rule per host
    ideal_sequential: float  # the sum of all latencies: one request at a time, zero overhead


def bounds(facts: SiteFacts, lanes: int, delay: float) -> Bounds:
    requested = facts.expected_crawl().requested
    # Politeness as the issue counts it: `delay` between two request STARTS on a host.
    issue = facts.lower_bound(lanes, per_host_gap=delay)
    # As the crawler (OriginGate) counts it: one request per host at a time and `delay` from
    # an ANSWER to the next start, so a host's requests take their latencies plus the gaps.
    per_host: dict[str, list[float]] = defaultdict(list)
    for url in requested:
        per_host[host_of(url)].append(facts.latency.get(url, 0.0))
    polite = max(sum(lat) + (len(lat) - 1) * delay for lat in per_host.values())
    return Bounds(
        requests=len(requested),
        issue=issue,
        crawler_rule=max(facts.lower_bound(lanes), polite),
        ideal_sequential=facts.lower_bound(1),
    )


def fetched_pages(report: CrawlReport, served: ServedSite | None) -> set[str]:
    """The HTML pages a crawl fetched, in the site's own URL space."""
    pages = {u for u, o in report.outcomes.items() if o.kind == FETCHED and "text/html" in o.reason}
    return {served.original(u) for u in pages} if served is not None else pages


def crawl_is_right(report: CrawlReport, facts: SiteFacts, served: ServedSite | None) -> bool:
    """Every page the facts predict, no other, and every discovered URL resolved."""
    return fetched_pages(report, served) == set(
        facts.expected_crawl().pages
    ) and report.discovered == len(report.outcomes)


def requested_by(report: CrawlReport, served: ServedSite | None) -> set[str]:
    """The URLs (site URL space) a crawl requested: every visited URL, and robots.txt of the
    origin of each URL that reached the robots check."""
    reached = [u for u, o in report.outcomes.items() if o.kind != SKIPPED or o.reason == "robots"]
    if served is not None:
        reached = [served.original(u) for u in reached]
    return set(reached) | {f"http://{host_of(u)}/robots.txt" for u in reached}


def rss(pid: int | None = None) -> int:
    # Ray's own copy of psutil (ray/thirdparty_files, on the path once ray is imported): the
    # venv has no other, and it is enough for RSS.
    import psutil

    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def cpu_seconds(pid: int) -> float:
    import psutil  # Ray's copy, as in rss()

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


@dataclass
class MemoryWatch:
    """Peak RSS of the driver and of one crawl's actors, sampled every `every` seconds."""

    every: float = 0.1
    driver_before: int = 0
    driver_peak: int = 0
    actors: dict[int, str] = field(default_factory=dict)  # pid -> actor class
    actor_peak: dict[int, int] = field(default_factory=dict)
    # CPU seconds (user + system) of each process when the crawl began and when last seen:
    # where a page's cost goes (the actors are killed as the crawl ends, so keep the last).
    cpu_began: dict[int, float] = field(default_factory=dict)
    cpu_seen: dict[int, float] = field(default_factory=dict)

    def find_actors(self, _crew: Any = None) -> None:
        """crawl()'s on_started: the crawl's actors are all up now. The public state API
        (ray.util.state) needs the dashboard, which the embedded Ray leaves out; the GCS
        table behind ray._private.state has the pids too."""
        job = ray.get_runtime_context().get_job_id()
        for actor in ray._private.state.actors().values():
            if actor["State"] == "ALIVE" and actor["JobID"] == job and actor.get("Pid"):
                self.actors[actor["Pid"]] = actor["ActorClassName"]
        self.actors[os.getpid()] = "driver"
        self.cpu_began = {pid: cpu_seconds(pid) for pid in self.actors}

    def sample(self) -> None:
        self.driver_peak = max(self.driver_peak, rss())
        for pid in self.actors:
            self.actor_peak[pid] = max(self.actor_peak.get(pid, 0), rss(pid))
            self.cpu_seen[pid] = cpu_seconds(pid) or self.cpu_seen.get(pid, 0.0)

    def cpu_by_class(self) -> dict[str, float]:
        """CPU seconds each kind of process spent during the crawl (fetchers summed)."""
        out: dict[str, float] = defaultdict(float)
        for pid, name in self.actors.items():
            out[name] += max(0.0, self.cpu_seen.get(pid, 0.0) - self.cpu_began.get(pid, 0.0))
        return dict(out)

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.every)

    def by_class(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for pid, name in self.actors.items():
            if name != "driver":
                out[name].append(self.actor_peak.get(pid, 0))
        return dict(out)


@dataclass
class RayRun:
    report: CrawlReport
    wall: float  # seconds from the call to its return: actor start-up included
    memory: MemoryWatch

    @property
    def elapsed(self) -> float:  # seconds of crawl, actors already up (the crawler's own clock)
        return self.report.elapsed


def ray_crawl(
    site: Site,
    facts: SiteFacts,
    served: ServedSite | None,
    *,
    fetchers: int,
    per_fetcher: int,
    delay: float,
) -> RayRun:
    """One crawl by the reference crawler, mocked (served None) or over the served site."""
    gc.collect()
    watch = MemoryWatch(driver_before=rss())
    settings = dict(NO_LIMIT, fetchers=fetchers, per_fetcher=per_fetcher, delay=delay)
    if served is None:
        args = (site, None, facts.start)
        settings["allowed_domains"] = ALLOWED_MOCK
    else:
        args = (None, None, served.url(facts.start))
        settings["allowed_domains"] = ALLOWED_REAL

    async def watched() -> CrawlReport:
        sampler = asyncio.ensure_future(watch.run())
        try:
            return await crawl(*args, on_started=watch.find_actors, **settings)
        finally:
            sampler.cancel()
            watch.sample()

    began = time.monotonic()
    report = asyncio.run(watched())
    return RayRun(report, time.monotonic() - began, watch)


def baseline_crawl(
    site: Site,
    facts: SiteFacts,
    served: ServedSite | None,
    *,
    lanes: int,
    delay: float,
    max_pages: int | None = None,
) -> tuple[CrawlReport, dict[str, float]]:
    """bench.baselines.asyncio_crawl with `lanes` lanes, in a Ray worker process. Returns the
    report and that process's {"rss": bytes, "cpu": seconds}."""
    limits = dict(NO_LIMIT, **({"max_pages": max_pages} if max_pages else {}))
    if served is None:
        call = run_in_worker.remote(
            site, facts.start, allowed_domains=ALLOWED_MOCK, lanes=lanes, delay=delay, **limits
        )
    else:
        call = run_in_worker.remote(
            None,
            served.url(facts.start),
            allowed_domains=ALLOWED_REAL,
            lanes=lanes,
            delay=delay,
            **limits,
        )
    return ray.get(call, timeout=1800)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def mb(n: float) -> str:
    return f"{n / MB:.0f}"


@contextmanager
def maybe_served(site: Site, real: bool) -> Iterator[ServedSite | None]:
    """The site over real HTTP on 127.0.0.1 (a server thread in this process), or None."""
    if not real:
        yield None
        return
    from dojo.web import serve_site_in_thread

    with serve_site_in_thread(site) as served:
        yield served
