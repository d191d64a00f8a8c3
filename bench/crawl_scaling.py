"""Crawler scaling: the reference distributed crawler (kata 26) with 1, 2, 4, 8 fetcher actors,
and on growing sites (250 -> 4,000 pages): how time, pages/s and memory grow.

    .venv/bin/python bench/crawl_scaling.py                  # mocked web (~4 min)
    .venv/bin/python bench/crawl_scaling.py --latency 0 --delay 0   # Ray's own cost only
    .venv/bin/python bench/crawl_scaling.py --quick          # small sites, seconds (tests)

Sites: dojo.web.generate_site over 20 hosts, fan-out 8, depth 4, 50 ms latency; politeness
100 ms from an answer to the next request on a host. "bound" is the crawler-rule lower bound
(see bench/crawl_efficiency.py) and "eff." the bound over the crawl time.

Memory: the driver's RSS before the crawl (site generated, Ray up), its peak during the crawl
(sampled every 0.1 s) and after the report is dropped; the report itself is O(URLs) and comes
back to the driver, so its pickled size is shown next to the growth. "Flat" means the crawl
adds nothing per page to the driver beyond the report it returns. Numbers only: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository

from rich.table import Table

from bench import crawl_common as common


def crawl_row(spec: common.SiteSpec, fetchers: int, args: argparse.Namespace) -> dict:
    site, facts = spec.generate()
    b = common.bounds(facts, fetchers * args.per_fetcher, args.delay)
    times, walls, right = [], [], True
    with common.maybe_served(site, args.real) as served:
        for _ in range(args.runs):
            run = common.ray_crawl(
                site, facts, served, fetchers=fetchers, per_fetcher=args.per_fetcher,
                delay=args.delay,
            )  # fmt: skip
            times.append(run.elapsed)
            walls.append(run.wall)
            right = right and common.crawl_is_right(run.report, facts, served)
            report_bytes = len(pickle.dumps(run.report))
            del run.report
            memory = run.memory
            gc.collect()
            after = common.rss()
    s = common.median(times)
    fetcher_rss = memory.by_class().get("Fetcher", [0])
    return {
        "pages": spec.pages,
        "fetchers": fetchers,
        "lanes": fetchers * args.per_fetcher,
        "requests": b.requests,
        "bound": b.crawler_rule,
        "s": s,
        "startup": common.median([w - t for w, t in zip(walls, times, strict=True)]),
        "pps": spec.pages / s,
        "eff": b.crawler_rule / s,
        "before": memory.driver_before,
        "peak": memory.driver_peak,
        "after": after,
        "report": report_bytes,
        "fetcher_max": max(fetcher_rss),
        "right": right,
    }


def table(title: str, rows: list[dict]) -> Table:
    t = Table(title=title)
    cols = ("pages", "requests", "fetchers", "lanes", "bound s", "crawl s", "eff.", "pages/s",
            "start-up s", "driver before MB", "driver peak MB", "peak - before MB",
            "report MB", "after - before MB", "Fetcher MB", "right")  # fmt: skip
    for c in cols:
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(
            str(r["pages"]), str(r["requests"]), str(r["fetchers"]), str(r["lanes"]),
            f"{r['bound']:.2f}", f"{r['s']:.2f}", f"{r['eff']:.2f}", f"{r['pps']:.0f}",
            f"{r['startup']:.1f}", common.mb(r["before"]), common.mb(r["peak"]),
            f"{(r['peak'] - r['before']) / 2**20:.1f}", f"{r['report'] / 2**20:.1f}",
            f"{(r['after'] - r['before']) / 2**20:.1f}", common.mb(r["fetcher_max"]),
            "yes" if r["right"] else "NO",
        )  # fmt: skip
    return t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sites, seconds")
    parser.add_argument("--real", action="store_true", help="over real HTTP on 127.0.0.1")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--per-fetcher", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--fetchers", type=int, default=4, help="for the growing sites")
    args = parser.parse_args()
    hosts, fanout, depth, pages = 20, 8, 4, 1000
    fetcher_counts, sizes = [1, 2, 4, 8], [250, 500, 1000, 2000, 4000]
    if args.quick:
        hosts, fanout, depth, pages = 6, 5, 3, 120
        fetcher_counts, sizes, args.per_fetcher = [1, 2], [60, 120], 4
        args.latency, args.delay, args.fetchers = min(args.latency, 0.02), min(args.delay, 0.03), 2
    console = common.started_console(width=220)
    web = "real HTTP on 127.0.0.1" if args.real else "mocked web"
    setting = (
        f"{hosts} hosts, fan-out {fanout}, depth {depth}, latency {args.latency * 1000:g} ms, "
        f"delay {args.delay * 1000:g} ms, {web}, median of {args.runs}"
    )

    by_fetchers = []
    for n in fetcher_counts:
        console.print(f"[dim]{pages} pages, {n} fetchers ...[/dim]")
        spec = common.SiteSpec(pages, hosts, fanout, depth, args.latency)
        by_fetchers.append(crawl_row(spec, n, args))
    console.print(table(f"Fetchers ({args.per_fetcher} lanes each): {setting}", by_fetchers))

    by_size = []
    for n in sizes:
        # The same crawl as a row above (same site, same fetchers) is not measured again.
        same = [r for r in by_fetchers if r["pages"] == n and r["fetchers"] == args.fetchers]
        if same:
            by_size.append(same[0])
            continue
        console.print(f"[dim]{n} pages, {args.fetchers} fetchers ...[/dim]")
        by_size.append(
            crawl_row(common.SiteSpec(n, hosts, fanout, depth, args.latency), args.fetchers, args)
        )
    console.print(
        table(f"Site size ({args.fetchers} fetchers x {args.per_fetcher}): {setting}", by_size)
    )

    small, large = by_size[0], by_size[-1]
    extra_pages = large["pages"] - small["pages"]
    growth = ((large["peak"] - large["before"]) - (small["peak"] - small["before"])) / extra_pages
    report = (large["report"] - small["report"]) / extra_pages
    console.print(
        f"driver growth during a crawl: {growth:.0f} bytes per extra page "
        f"({small['pages']} -> {large['pages']} pages); the report it gets back: {report:.0f} "
        "bytes per extra page pickled. Growth beyond the report would be a per-page leak."
    )
    console.print(common.load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
