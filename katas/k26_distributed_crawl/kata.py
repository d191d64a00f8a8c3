"""Kata 26 · Distributed crawl. The instructions are in README.md next to this file.

The building blocks are given, imported below from the dojo's crawler package dojo/crawl/
(you wrote them in katas 19–25). Below is one design, as a skeleton: a Gatekeeper actor that
owns everything per origin, Fetcher actors that pull work, and crawl() that starts and
watches them. You may change the design (see README.md); crawl()'s signature and what it
returns must stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ray

from dojo import todo
from dojo.crawl.client import WebClient
from dojo.crawl.report import CrawlReport

IDLE = 0.05  # seconds a lane waits before asking again when nothing is queued


@ray.remote(num_cpus=0)
class Gatekeeper(WebClient):
    """ONE actor, shared by every fetcher, for everything that is per origin: the politeness
    gate and the robots.txt rules. It fetches robots.txt itself (WebClient started the fake
    web here), through the same gate as every other request to that origin."""

    def __init__(self, site: Any, hits: Any, delay: float):
        super().__init__(site, hits, "gatekeeper")
        # TODO: an OriginGate(delay), and a RobotsCache(fetch, USER_AGENT, ROBOTS_TTL) whose
        # fetch enters the gate for the origin, waits until the time it gives, self.get(url),
        # and leaves the gate with the time the answer came in.

    async def permit(self, worker: str, url: str) -> float | None:
        """None if robots.txt forbids url. Else wait until `worker` holds url's origin in the
        gate, and return the wall-clock time (time.time()) its request may start."""
        # TODO: robots first, then the gate.
        todo("robots.txt says no -> None; else enter the gate for url's origin")

    async def leave(self, worker: str, url: str, done_at: float) -> None:
        """`worker` is done with url's origin: its answer came in at `done_at`."""
        # TODO: leave the gate.
        todo("leave the gate for url's origin")

    async def release_worker(self, worker: str) -> int:
        """`worker` died: free the origins it holds."""
        # TODO: the gate can do it.
        todo("free the dead worker's origins")


@ray.remote(num_cpus=0)
class Fetcher(WebClient):
    """Pulls work from the frontier; at most `lanes` requests of its own in flight."""

    async def work(self, frontier: Any, gatekeeper: Any, lanes: int) -> int:
        """Run `lanes` loops side by side until the crawl is over; return how many URLs this
        fetcher visited. Each loop: lease one URL (self.name is the worker's name), ask the
        gatekeeper (robots.txt, then politeness), fetch with self.get(url) at the time it
        says, leave the gate, and report the visit to the frontier."""
        # TODO: see README.md. An empty lease is not the end of the crawl.
        todo("lease, permit, fetch, leave, done; in `lanes` loops; until the crawl is over")


async def crawl(
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
) -> CrawlReport:
    """Crawl `site` from `start_url` with `fetchers` fetcher actors, each with at most
    `per_fetcher` requests in flight, at least `delay` seconds between two requests to one
    origin (across all fetchers), robots.txt obeyed. Survives fetchers dying.

    Start every actor (the fetchers with start_mock's help: WebClient, with `hits`), wait
    until they are up, call on_started({name: fetcher handle}) with the names their
    requests carry, then crawl. Returns the frontier's report once it is finished, and kills
    every actor it started, whatever happens."""
    # TODO: see README.md.
    todo("start the frontier, the gatekeeper and the fetchers; watch them; report; kill")
