"""A real documentation tree on one host: `dojo crawl` against the one-process asyncio crawler,
and against the network floor; plus the parsers that find the links (bench/parse_speed.py).

    .venv/bin/python bench/crawl_static.py                # python3-doc, 20 ms, 16 in flight
    .venv/bin/python bench/crawl_static.py --root DIR --runs 3
    .venv/bin/python bench/crawl_static.py --quick        # a small generated tree (tests)

The tree (default: Debian's python3-doc, /usr/share/doc/python3/html: apt-get install
python3-doc) is served on 127.0.0.1 by a process of its own with `--latency` per request and
one broken link added to the start page (bench/static_site.py). In the same run:

* baseline: bench/baselines.asyncio_crawl in one Ray worker process, `--in-flight` lanes and
  as many requests per host, delay 0, links found by html.parser (one process, the standard
  library: the issue's baseline); and the same with selectolax (the crawler's parser), which
  shows what the parser alone buys;
* `dojo crawl --delay 0 --per-host N --fetchers F --concurrency C` for each F x C = N in
  --configs: the crawl that command runs (dojo.crawl.crawler.crawl with CrawlOptions, as
  dojo.crawl.cli.run_crawl calls it, two actor calls per page), timed by its own clock
  (actors up, first lease to end); and the same with kata 26's lanes (four calls per page),
  which shows what coalescing the calls buys.

Every crawl is checked against the tree walked offline (static_site.expected_crawl): every
page fetched, nothing else, and the broken link failed with 404. The network floor is
requests x latency / requests in flight: what no crawler with that many in flight can beat.
Numbers only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository

from rich.console import Console
from rich.table import Table

from bench import crawl_common as common
from bench import parse_speed, static_site
from bench.baselines import run_in_worker
from dojo.crawl.crawler import CrawlOptions, crawl
from dojo.crawl.report import FAILED, FETCHED, CrawlReport

ALLOWED = ["127.0.0.1"]
LIMITS = {"max_depth": 1000, "max_pages": 10**7}
SPEEDUP_TARGET = 3.0  # x the one-process html.parser baseline
FLOOR_TARGET = 3.0  # within this factor of the network floor


@dataclass
class Run:
    name: str
    settings: str
    elapsed: list[float]
    report: CrawlReport
    cpu: str  # CPU seconds, by process


def check(report: CrawlReport, expected: static_site.Expected, broken_url: str) -> str:
    """ "yes" when the crawl fetched exactly the expected pages and failed exactly on the
    broken links (404 for the injected one); else what is off."""
    fetched = {u for u, o in report.outcomes.items() if o.kind == FETCHED}
    failed = {u for u, o in report.outcomes.items() if o.kind == FAILED}
    problems = []
    if fetched != expected.pages:
        problems.append(
            f"{len(expected.pages - fetched)} missed, {len(fetched - expected.pages)} extra"
        )
    if failed != expected.broken:
        problems.append(f"failed {len(failed)} != {len(expected.broken)} broken")
    if report.outcomes.get(broken_url) is None or report.outcomes[broken_url].status != 404:
        problems.append("the broken link not reported 404")
    return "; ".join(problems) or "yes"


def baseline(start: str, parser: str, lanes: int) -> tuple[CrawlReport, str]:
    import ray

    report, usage = ray.get(
        run_in_worker.remote(
            None, start, parser=parser, allowed_domains=ALLOWED, lanes=lanes, delay=0.0,
            per_host=lanes, **LIMITS,
        )
    )  # fmt: skip
    return report, f"{usage['cpu']:.1f} (one process)"


def dojo_crawl(start: str, fetchers: int, concurrency: int, per_host: int, coalesce: bool) -> tuple:
    """What `dojo crawl START --delay 0 --per-host N --fetchers F --concurrency C` runs
    (with coalesce=False: kata 26's lanes, four actor calls per page instead of two)."""
    watch = common.MemoryWatch()

    async def watched() -> CrawlReport:
        sampler = asyncio.ensure_future(watch.run())
        try:
            return await crawl(
                None, None, start, options=CrawlOptions(per_host=per_host, coalesce=coalesce),
                allowed_domains=ALLOWED, fetchers=fetchers, per_fetcher=concurrency,
                delay=0.0, on_started=watch.find_actors, **LIMITS,
            )  # fmt: skip
        finally:
            sampler.cancel()
            watch.sample()

    report = asyncio.run(watched())
    cpu = watch.cpu_by_class()
    parts = " + ".join(f"{name} {secs:.1f}" for name, secs in sorted(cpu.items()))
    return report, f"{sum(cpu.values()):.1f} = {parts}"


def crawls(start: str, args: argparse.Namespace) -> list[Run]:
    """Each crawler `--runs` times, interleaved (a slow minute of the machine hits all)."""
    plan = [
        (f"baseline {parser}", f"1 process, {args.in_flight} lanes, per host {args.in_flight}",
         lambda p=parser: baseline(start, p, args.in_flight))
        for parser in ("html.parser", "selectolax")
    ]  # fmt: skip
    for fetchers, concurrency in args.configs:
        for coalesce in (True, False):
            plan.append(
                (
                    "dojo crawl" if coalesce else "kata 26's lanes",
                    f"--fetchers {fetchers} --concurrency {concurrency} "
                    f"--per-host {args.in_flight} --delay 0",
                    lambda f=fetchers, c=concurrency, k=coalesce: dojo_crawl(
                        start, f, c, args.in_flight, k
                    ),
                )
            )
    runs = [Run(name, settings, [], None, "") for name, settings, _ in plan]  # type: ignore[arg-type]
    for _ in range(args.runs):
        for run, (_, _, go) in zip(runs, plan, strict=True):
            run.report, run.cpu = go()
            run.elapsed.append(run.report.elapsed)
    return runs


def crawl_table(runs: list[Run], expected: static_site.Expected, broken: str, args) -> Table:
    requests = len(expected.pages) + len(expected.broken)
    floor = requests * args.latency / args.in_flight
    base = common.median(runs[0].elapsed)
    out = Table(
        title=f"Static site: {requests} requests ({expected.html_pages} HTML pages), "
        f"{args.latency * 1000:g} ms latency, {args.in_flight} in flight, network floor "
        f"{floor:.2f} s, median of {args.runs}"
    )
    for col in ("crawler", "settings", "s", "pages/s", "vs baseline", "/ floor", "right",
                "CPU s, by process"):  # fmt: skip
        out.add_column(col, justify="left" if col in ("crawler", "settings", "right") else "right")
    for run in runs:
        s = common.median(run.elapsed)
        out.add_row(
            run.name, run.settings, f"{s:.2f}", f"{requests / s:.0f}", f"{base / s:.1f}x",
            f"{s / floor:.1f}x", check(run.report, expected, broken), run.cpu,
        )  # fmt: skip
    return out


def print_targets(console: Console, runs: list[Run], floor: float) -> None:
    base = common.median(runs[0].elapsed)
    best = min((r for r in runs if r.name == "dojo crawl"), key=lambda r: common.median(r.elapsed))
    s = common.median(best.elapsed)
    for label, value, met in (
        (f">= {SPEEDUP_TARGET:g}x the one-process html.parser baseline", base / s,
         base / s >= SPEEDUP_TARGET),
        (f"within {FLOOR_TARGET:g}x of the network floor", s / floor, s / floor <= FLOOR_TARGET),
    ):  # fmt: skip
        console.print(
            f"target {label}: dojo crawl {best.settings}: {value:.2f}x -> "
            f"{'MET' if met else 'MISSED'}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=static_site.DOCS, help="the tree to serve")
    parser.add_argument("--quick", action="store_true", help="a small generated tree, seconds")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--in-flight", type=int, default=16, help="requests in flight")
    parser.add_argument(
        "--configs", default="2x8,4x4", help="fetchers x concurrency of each dojo crawl"
    )
    args = parser.parse_args()
    args.configs = [tuple(int(n) for n in c.split("x")) for c in args.configs.split(",")]
    if args.quick:
        args.runs, args.configs = 1, [(2, 8)]
    return args


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = static_site.make_tree(Path(tmp)) if args.quick else args.root
        if not (root / static_site.START).is_file():
            print(f"no {static_site.START} under {root}: apt-get install python3-doc, or --root")
            return 2
        console = common.started_console(width=200)
        pages = parse_speed.read_pages(root)
        console.print(parse_speed.table(parse_speed.measure(pages), pages))
        with static_site.served(root, args.latency) as start:
            expected = static_site.expected_crawl(root, start)
            broken = start.rsplit("/", 1)[0] + "/" + static_site.BROKEN
            runs = crawls(start, args)
        console.print(crawl_table(runs, expected, broken, args))
        requests = len(expected.pages) + len(expected.broken)
        print_targets(console, runs, requests * args.latency / args.in_flight)
        console.print(common.load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
