"""Crawler faults: the reference crawler (kata 26) on a fake web full of failures, with fetchers
killed mid-crawl; every URL must still end fetched, failed or skipped, with a reason.

    .venv/bin/python bench/crawl_faults.py                 # 5 runs, seed 0
    .venv/bin/python bench/crawl_faults.py --runs 10 --seed 3
    .venv/bin/python bench/crawl_faults.py --quick         # one small run (as the test does)

Each run is seeded (seed + run number) and bounded. It generates a site (dojo.web) and replaces
some of its pages, at random, with faults answered before the real page: bursts of 5xx on one
host, 429 with Retry-After, timeouts (silent past the crawler's fetch timeout) and connection
resets mid-body. It then kills 1..max_kills fetcher actors (never all: the crawl needs one) at
random points, each once the server has seen a random number of requests, some while that
fetcher has a request in flight. The books are checked against the server's hit log:

  lost                 URLs discovered without an outcome, requested without an outcome, or
                       linked from (redirected to by) a fetched page without one: must be 0
  resolved twice       two outcomes for one URL (two spellings of it in the books): must be 0
  requested twice      a URL the server saw twice, unexplained by a kill: must be 0
  re-requested after   a URL the server saw twice, once from a fetcher that was then killed:
  a kill               allowed (it was leased to that fetcher, which died before reporting it,
                       so the frontier released it to another), counted
  no reason            an outcome that is not fetched/failed/skipped, or has no reason: 0

The reference crawler does not retry: a 5xx, 429, timeout or reset is recorded as failed with
its reason. Exit code 1 if any invariant breaks in any run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dojo.cluster import ray_runtime  # noqa: E402

ray_runtime.prepare_environment()  # before `import ray`: see dojo.cluster.ray_runtime

import ray  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from dojo.crawl.crawler import crawl  # noqa: E402
from dojo.crawl.fetch import FETCH_TIMEOUT  # noqa: E402
from dojo.crawl.report import FETCHED, KINDS  # noqa: E402
from dojo.harness.waiting import wait_until  # noqa: E402
from dojo.web import HitLog, Resource, Response, canonical, generate_site  # noqa: E402

DOMAINS = ["example.test"]
CRAWL_WITHIN = 240.0  # seconds: a run that takes longer is stuck (a broken invariant)
STATUSES_5XX = (500, 502, 503, 504)
RETRY_AFTERS = ("1", "5", "120", "Wed, 21 Oct 2037 07:28:00 GMT")


@dataclass(frozen=True)
class Scenario:
    pages: int = 80
    hosts: int = 3
    depth: int = 4  # of the generated site; the crawl stops one level above it
    latency: float = 0.01
    fetchers: int = 3
    per_fetcher: int = 2
    delay: float = 0.02
    bursts: int = 2  # bursts of 5xx, each on one host
    burst_size: int = 4
    throttled: int = 4  # 429 with Retry-After
    timeouts: int = 2  # each one holds a lane and its host for FETCH_TIMEOUT seconds
    resets: int = 4
    max_kills: int = 2


QUICK = Scenario(
    pages=30, hosts=2, fetchers=2, bursts=1, burst_size=3, throttled=2, timeouts=1, resets=2,
    max_kills=1,
)  # fmt: skip


@dataclass(frozen=True)
class Kill:
    victim: str
    after_hits: int  # the server had seen this many requests
    mid_request: bool  # the victim had a request in flight
    holding: tuple[str, ...]  # URLs the victim was being answered for, per the server


@dataclass
class RunResult:
    run: int
    seed: int
    scenario: Scenario
    injected: Counter  # fault kind -> pages
    kills: list[Kill] = field(default_factory=list)
    error: str | None = None  # the crawl raised or stalled
    discovered: int = 0
    kinds: Counter = field(default_factory=Counter)
    failed_by_reason: Counter = field(default_factory=Counter)
    skipped_by_reason: Counter = field(default_factory=Counter)
    faults_served: Counter = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    resolved_twice: list[str] = field(default_factory=list)
    requested_twice: list[str] = field(default_factory=list)  # unexplained by a kill
    rerequested_after_kill: list[str] = field(default_factory=list)
    no_reason: list[str] = field(default_factory=list)
    released: int = 0
    elapsed: float = 0.0

    @property
    def problems(self) -> list[str]:
        found = [f"crawl: {self.error}"] if self.error else []
        for name, urls in (
            ("lost", self.lost),
            ("resolved twice", self.resolved_twice),
            ("requested twice (no kill explains it)", self.requested_twice),
            ("outcome without a kind or reason", self.no_reason),
        ):
            if urls:
                found.append(f"{name}: {len(urls)}, e.g. {urls[:3]}")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


# --- the faulty web ---------------------------------------------------------------------------


def faulty_site(scenario: Scenario, seed: int):
    """A generated site with faults answered (once) before some of its real pages. Returns
    (site, facts, {url: fault kind})."""
    rng = random.Random(seed)
    site, facts = generate_site(
        pages=scenario.pages,
        hosts=scenario.hosts,
        depth=scenario.depth,
        latency=scenario.latency,
        seed=seed,
    )
    # Pages the crawl can reach (not the start: a failed start page ends the crawl at once).
    pages = sorted(u for u, d in facts.depth_of.items() if u != facts.start and d < scenario.depth)
    rng.shuffle(pages)
    faults: dict[str, Response] = {}
    kinds: dict[str, str] = {}

    def take(n: int, pool: list[str]) -> list[str]:
        chosen = [u for u in pool if u not in faults][:n]
        return chosen

    for _ in range(scenario.bursts):
        host = rng.choice(facts.hosts)
        for url in take(scenario.burst_size, [u for u in pages if f"//{host}/" in u]):
            faults[url], kinds[url] = Response(status=rng.choice(STATUSES_5XX), body=""), "5xx"
    for url in take(scenario.throttled, pages):
        headers = {"Retry-After": rng.choice(RETRY_AFTERS)}
        faults[url], kinds[url] = Response(status=429, headers=headers, body=""), "429"
    for url in take(scenario.timeouts, pages):
        # Silent a little past the crawler's own limit, so the mock's wait ends soon after.
        faults[url], kinds[url] = Response(error="timeout", latency=FETCH_TIMEOUT + 1.0), "timeout"
    for url in take(scenario.resets, pages):
        real = site.lookup(url).responses[0]
        faults[url], kinds[url] = Response(status=200, body=real.body, error="reset"), "reset"
    replaced = [
        Resource(url, (fault, *site.lookup(url).responses)) for url, fault in faults.items()
    ]
    return site.merged(*replaced), facts, kinds


# --- one run ----------------------------------------------------------------------------------


async def _kill_at_random_points(task, log, crew: dict, kills: list[Kill], rng, scenario, total):
    """Kill fetchers while the crawl runs, each once the server has seen a random number of
    requests; about half of them chosen among fetchers with a request in flight."""
    count = rng.randint(1, min(scenario.max_kills, scenario.fetchers - 1))
    # Within the first half of what a fault-free crawl requests: faults prune the site, and a
    # kill point past the end of the crawl would never be reached.
    points = sorted(rng.randint(3, max(4, total // 2)) for _ in range(count))
    for point in points:
        mid_request = rng.random() < 0.5

        async def reached(point=point):
            return task.done() or (crew and await log.size.remote() >= point)

        await wait_until(reached, within=CRAWL_WITHIN, interval=0.02)
        if task.done():
            return
        hits = await log.hits.remote()
        alive = sorted(name for name in crew if name not in {k.victim for k in kills})
        busy = sorted({h.who for h in hits if h.end is None and h.who in alive})
        victim = rng.choice(busy if mid_request and busy else alive)
        holding = tuple(sorted(h.url for h in hits if h.end is None and h.who == victim))
        ray.kill(crew[victim])
        kills.append(Kill(victim, len(hits), bool(holding), holding))


async def run_scenario(scenario: Scenario, seed: int, run: int = 1) -> RunResult:
    """One seeded crawl with faults and kills, checked. Ray must be initialised."""
    rng = random.Random(f"kills-{seed}")
    site, facts, kinds = faulty_site(scenario, seed)
    result = RunResult(run, seed, scenario, Counter(kinds.values()))
    log = HitLog.remote()
    crew: dict = {}
    started = time.monotonic()
    task = asyncio.ensure_future(
        crawl(
            site,
            log,
            facts.start,
            allowed_domains=DOMAINS,
            max_depth=scenario.depth - 1,
            max_pages=100_000,
            fetchers=scenario.fetchers,
            per_fetcher=scenario.per_fetcher,
            delay=scenario.delay,
            on_started=crew.update,
        )
    )
    killer = asyncio.ensure_future(
        _kill_at_random_points(
            task, log, crew, result.kills, rng, scenario, len(facts.expected_crawl().requested)
        )
    )
    try:
        try:
            async with asyncio.timeout(CRAWL_WITHIN):
                report = await task
        except Exception as error:  # the crawl raised, or stalled: an invariant broke
            result.error = f"{type(error).__name__}: {error}"[:300]
            return result
        finally:
            killer.cancel()
            with contextlib.suppress(BaseException):
                await killer
        result.elapsed = time.monotonic() - started
        hits = await log.hits.remote()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        for handle in (*crew.values(), log):
            with contextlib.suppress(Exception):
                ray.kill(handle)
    _check(result, report, hits, facts)
    return result


def _check(result: RunResult, report, hits, facts) -> None:
    outcomes = report.outcomes
    result.discovered = report.discovered
    result.released = report.released
    result.kinds = Counter(o.kind for o in outcomes.values())
    for o in outcomes.values():
        if o.kind == "failed":
            result.failed_by_reason[o.reason] += 1
        elif o.kind == "skipped":
            result.skipped_by_reason[o.reason] += 1
    result.no_reason = sorted(u for u, o in outcomes.items() if o.kind not in KINDS or not o.reason)

    # Lost: the frontier's own count, then three checks that do not trust it.
    lost = {f"<{n} discovered, no outcome>" for n in [report.discovered - len(outcomes)] if n}
    lost |= {h.url for h in hits if not h.url.endswith("/robots.txt")} - outcomes.keys()
    for url, o in outcomes.items():
        if o.kind != FETCHED:
            continue
        if o.reason.startswith("200 text/html"):
            lost |= set(facts.links.get(url, ())) - outcomes.keys()
        elif o.reason.endswith("redirect") and url in facts.redirects:
            lost |= {facts.redirects[url][0]} - outcomes.keys()
    result.lost = sorted(lost)

    spellings = Counter(_canonical_or_self(u) for u in outcomes)
    result.resolved_twice = sorted(u for u, n in spellings.items() if n > 1)

    # The server's side: a URL asked for twice must have been leased to a fetcher that died.
    victims = {k.victim for k in result.kills}
    by_url: dict[str, list] = defaultdict(list)
    for h in hits:
        by_url[h.url].append(h)
    for url, seen in sorted(by_url.items()):
        if len(seen) < 2:
            continue
        # Explained: every request but one came from a fetcher that was then killed (once
        # each; a dead fetcher asks nothing more).
        whos = Counter(h.who for h in seen)
        survivors = sum(n for who, n in whos.items() if who not in victims)
        if survivors <= 1 and all(whos[v] <= 1 for v in victims):
            result.rerequested_after_kill.append(url)
        else:
            result.requested_twice.append(url)
    for h in hits:
        if h.status is not None and h.status >= 500:
            result.faults_served["5xx"] += 1
        elif h.status == 429:
            result.faults_served["429"] += 1
        if h.error in ("timeout", "cancelled"):
            result.faults_served["timeout"] += 1
        elif h.error == "reset":
            result.faults_served["reset"] += 1


def _canonical_or_self(url: str) -> str:
    try:
        return canonical(url)
    except ValueError:
        return url


# --- output -----------------------------------------------------------------------------------


def _by_reason(counts: Counter) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.most_common()) or "-"


def table(result: RunResult) -> Table:
    s = result.scenario
    verdict = "[green]OK[/green]" if result.ok else "[red]BROKEN[/red]"
    t = Table(
        title=f"run {result.run} (seed {result.seed}): {s.pages} pages on {s.hosts} hosts, "
        f"{s.fetchers} fetchers x {s.per_fetcher}: {verdict}",
        title_justify="left",
    )
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_column("detail")
    kills = "; ".join(
        f"{k.victim} after {k.after_hits} requests"
        + (f", mid-request ({len(k.holding)} in flight)" if k.mid_request else ", between requests")
        for k in result.kills
    )
    t.add_row("faults injected", str(sum(result.injected.values())), _by_reason(result.injected))
    t.add_row(
        "faults served", str(sum(result.faults_served.values())), _by_reason(result.faults_served)
    )
    t.add_row("fetchers killed", str(len(result.kills)), kills or "-")
    if result.error:
        t.add_row("[red]crawl error[/red]", "1", result.error)
    t.add_row("discovered", str(result.discovered), f"in {result.elapsed:.1f} s")
    t.add_row("fetched", str(result.kinds.get("fetched", 0)), "")
    t.add_row("failed", str(result.kinds.get("failed", 0)), _by_reason(result.failed_by_reason))
    t.add_row("skipped", str(result.kinds.get("skipped", 0)), _by_reason(result.skipped_by_reason))
    for name, urls, must_be_zero in (
        ("lost", result.lost, True),
        ("resolved twice", result.resolved_twice, True),
        ("requested twice, unexplained", result.requested_twice, True),
        ("without kind or reason", result.no_reason, True),
        ("re-requested after a kill", result.rerequested_after_kill, False),
    ):
        shown = ", ".join(urls[:2]) + (" ..." if len(urls) > 2 else "")
        rule = "must be 0" if must_be_zero else "allowed: leased to a killed fetcher"
        colour = "red" if must_be_zero and urls else ""
        count = f"[{colour}]{len(urls)}[/{colour}]" if colour else str(len(urls))
        t.add_row(name, count, f"{rule}{': ' + shown if shown else ''}")
    t.add_row("released by the frontier", str(result.released), "leased URLs put back after a kill")
    return t


def summary(results: list[RunResult], seed: int) -> str:
    broken = [r for r in results if not r.ok]
    total = Counter()
    for r in results:
        total["kills"] += len(r.kills)
        total["lost"] += len(r.lost)
        total["twice"] += len(r.resolved_twice)
        total["unexplained"] += len(r.requested_twice)
        total["again"] += len(r.rerequested_after_kill)
        total["discovered"] += r.discovered
        total["faults"] += sum(r.faults_served.values())
    verdict = "OK" if not broken else f"BROKEN in runs {[r.run for r in broken]}"
    return (
        f"crawl_faults: {len(results)} runs (seed {seed}), {total['discovered']} URLs, "
        f"{total['faults']} faults served, {total['kills']} fetchers killed: "
        f"{total['lost']} lost, {total['twice']} resolved twice, "
        f"{total['unexplained']} requested twice without a kill; "
        f"{total['again']} re-requested after a kill (allowed: leased to a killed fetcher): "
        f"{verdict}"
    )


async def _main_async(scenario: Scenario, runs: int, seed: int, console: Console):
    results = []
    for run in range(1, runs + 1):
        result = await run_scenario(scenario, seed + run - 1, run)
        console.print(table(result))
        for problem in result.problems:
            console.print(f"  [red]invariant broken:[/red] {problem}")
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs (default 5, quick: 1)")
    parser.add_argument("--seed", type=int, default=0, help="run i uses seed + i - 1")
    parser.add_argument("--quick", action="store_true", help="small site, one run")
    args = parser.parse_args(argv)
    scenario = QUICK if args.quick else Scenario()
    runs = args.runs if args.runs is not None else (1 if args.quick else 5)
    console = Console(width=160)
    console.print(f"Ray: {ray_runtime.start_or_connect()}")
    try:
        results = asyncio.run(_main_async(scenario, runs, args.seed, console))
    finally:
        ray.shutdown()
    console.print(summary(results, args.seed), soft_wrap=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
