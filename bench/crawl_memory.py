"""Does the driver leak per crawl or per page? The same crawl, again and again, in one driver.

    .venv/bin/python bench/crawl_memory.py                   # 1,000 pages, 8 crawls
    .venv/bin/python bench/crawl_memory.py --pages 4000 --crawls 5

bench/crawl_scaling.py shows the driver's RSS growing a little with the site's size during
ONE crawl. Growth that stops after the first crawls is the allocator and Ray's one-time
buffers (Python keeps freed arenas; Ray's object store client maps its pages once); growth
that goes on crawl after crawl, by about the same amount, is a leak. Zero latency and zero
politeness: only the crawler's own work, as fast as it goes. The site is generated once, and
the report of each crawl is dropped before the next. Numbers only: nothing asserts.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.crawl_common import SiteSpec, crawl_is_right, load_line, ray_crawl, rss  # noqa: E402
from dojo.cluster import ray_runtime  # noqa: E402


def mb(n: float) -> float:
    return n / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--crawls", type=int, default=8)
    parser.add_argument("--fetchers", type=int, default=4)
    parser.add_argument("--per-fetcher", type=int, default=8)
    args = parser.parse_args()
    print(load_line())
    ray_runtime.start_or_connect()
    spec = SiteSpec(pages=args.pages, hosts=20, fanout=8, depth=4, latency=0.0)
    site, facts = spec.generate()
    gc.collect()
    first = rss()
    print(f"{args.pages} pages, {args.fetchers} x {args.per_fetcher}; driver RSS before: "
          f"{mb(first):.1f} MB")  # fmt: skip
    print(f"{'crawl':>5} {'seconds':>8} {'right':>6} {'RSS after':>10} {'vs before':>10} "
          f"{'vs last':>8}")  # fmt: skip
    last = first
    for n in range(1, args.crawls + 1):
        run = ray_crawl(
            site, facts, None, fetchers=args.fetchers, per_fetcher=args.per_fetcher, delay=0.0
        )
        right = crawl_is_right(run.report, facts, None)
        seconds = run.elapsed
        del run
        gc.collect()
        now = rss()
        print(f"{n:>5} {seconds:8.2f} {'yes' if right else 'NO':>6} {mb(now):9.1f}M "
              f"{mb(now - first):+9.1f}M {mb(now - last):+7.1f}M", flush=True)  # fmt: skip
        last = now
    print("A leak grows by about the same amount every crawl; the allocator settles.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
