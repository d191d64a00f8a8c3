"""The crawlers the reference distributed crawler (kata 26) is compared with, in the benchmarks.

Why they exist: a speed-up needs something to be faster than. These are what one would write
instead of the Ray crawler, doing the same work by the same rules:

    sequential_crawl   one request at a time (one lane): the naive crawler
    asyncio_crawl      `lanes` concurrent lanes in ONE process with plain asyncio: what the
                       Ray crawler costs over asyncio alone (its processes and its calls);
                       `per_host` requests in flight per origin, as `dojo crawl --per-host`

Both are the reference crawler's own logic, not a rewrite: its parts (Frontier, OriginGate,
RobotsCache, fetch_page, digest: dojo.crawl) and its lane loop (lease one URL, ask the
gate, fetch, report; poll every IDLE seconds when the queue is empty but pages are in flight),
with plain objects and awaits where the Ray crawler has actors and remote calls. So the same
site gives the same requests, and the difference in time is Ray's.

`run_in_worker` runs one of them in a Ray worker process (the mock started there, or over the
real network), so a baseline never shares the driver's CPU and GIL with the benchmark itself or
with a fake-web server running in a driver thread. Its `parser` picks the HTML parser of that
process (dojo.crawl.parse): "html.parser" is the one-process crawler as one would write it with
the standard library (bench/crawl_static.py's baseline, the issue's), "selectolax" the
crawler's own.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dojo.cluster import ray_runtime  # noqa: E402

ray_runtime.prepare_environment()  # before `import ray`: see dojo.cluster.ray_runtime

import ray  # noqa: E402

from dojo.crawl.crawler import IDLE  # noqa: E402
from dojo.crawl.fetch import FETCH_TIMEOUT, USER_AGENT, fetch_page  # noqa: E402
from dojo.crawl.frontier import Frontier  # noqa: E402
from dojo.crawl.links import clear_cache  # noqa: E402
from dojo.crawl.parse import current_parser, use_parser  # noqa: E402
from dojo.crawl.politeness import gate_for  # noqa: E402
from dojo.crawl.report import CrawlReport, Visit, digest  # noqa: E402
from dojo.crawl.robots import ROBOTS_TTL, RobotsCache  # noqa: E402
from dojo.crawl.urls import origin_of  # noqa: E402
from dojo.web import Site, start_mock  # noqa: E402


async def asyncio_crawl(
    start_url: str,
    *,
    allowed_domains: list[str],
    max_depth: int,
    max_pages: int,
    lanes: int,
    delay: float,
    per_host: int = 1,
) -> CrawlReport:
    """The reference crawl in this process: `lanes` requests at most in flight, `delay` from an
    answer to the next request on its origin (`per_host` > 1: up to that many in flight per
    origin, their starts `delay` apart), robots.txt obeyed. Whatever aiohttp reaches: start the
    fake web's mock in this process first for a generated site."""
    frontier = Frontier([start_url], allowed_domains, max_depth, max_pages)
    gate = gate_for(delay, per_host)
    async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as session:

        async def polite_get(url: str, holder: str) -> Any:
            origin = origin_of(url)
            start_at = await gate.enter(origin, holder)
            await asyncio.sleep(max(0.0, start_at - time.time()))
            try:
                return await fetch_page(session, url, FETCH_TIMEOUT)
            finally:
                await gate.leave(origin, holder, time.time())

        robots = RobotsCache(lambda url: polite_get(url, "robots"), USER_AGENT, ROBOTS_TTL)

        async def visit(url: str, me: str) -> Visit:
            if not await robots.allowed(url):
                return Visit.skipped(url, "robots")
            return digest(await polite_get(url, me))

        async def lane(me: str) -> None:
            while True:
                batch = await frontier.lease(me, 1)
                if not batch:
                    if await frontier.finished():
                        return
                    await asyncio.sleep(IDLE)
                    continue
                [(url, _depth)] = batch
                await frontier.done(me, await visit(url, me))

        began = time.monotonic()
        await asyncio.gather(*(lane(f"lane-{i}") for i in range(lanes)))
        return await frontier.report(time.monotonic() - began)


async def sequential_crawl(
    start_url: str,
    *,
    allowed_domains: list[str],
    max_depth: int,
    max_pages: int,
    delay: float,
) -> CrawlReport:
    """One request at a time, same rules: the same crawl with one lane."""
    return await asyncio_crawl(
        start_url,
        allowed_domains=allowed_domains,
        max_depth=max_depth,
        max_pages=max_pages,
        lanes=1,
        delay=delay,
    )


def _rss() -> int:
    import psutil  # Ray's own copy (ray/thirdparty_files), on the path once ray is imported

    return psutil.Process().memory_info().rss


@ray.remote(num_cpus=0)
def run_in_worker(
    site: Site | None, start_url: str, parser: str | None = None, **settings: Any
) -> tuple[CrawlReport, dict[str, float]]:
    """asyncio_crawl(start_url, **settings) in this worker process, against `site` (mocked here,
    stopped again before returning: task workers are reused) or, with None, the real network,
    parsing with `parser` (default: the crawler's). Returns the report and {"rss": this
    process's RSS in bytes at the end, "cpu": the CPU seconds the crawl took}."""
    web = start_mock(site, None, who=f"baseline-{os.getpid()}") if site is not None else None
    was = current_parser()
    use_parser(parser or was)
    clear_cache()  # the worker is reused: every crawl starts as cold as a fetcher
    cpu = time.process_time()
    try:
        report = asyncio.run(asyncio_crawl(start_url, **settings))
    finally:
        use_parser(was)  # the worker is reused: leave it as it was
        if web is not None:
            web.stop()
    return report, {"rss": _rss(), "cpu": time.process_time() - cpu}
