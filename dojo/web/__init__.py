"""The fake web the crawler katas run against: sites as data, a mock started inside each
fetching process, a real HTTP server for the same data, and a hit log seen from the server.

    site.py      Response, Resource, Site (+ canonical URLs, hand-made helpers)
    generate.py  generate_site(...) -> (Site, SiteFacts): deterministic worlds of any size
    mock.py      start_mock(site, hits): aiohttp answered from the site in this process
    serve.py     serve_site(site): the same site over real HTTP on 127.0.0.1
    hits.py      HitLog (Ray actor), LocalHitLog, Hit: what the server saw, when, from whom
    worker.py    WebWorker: a Ray actor with the mock started, runs your async function
    testing.py   what the crawler katas' tests share: hit log and web-worker fixtures, a
                 stand-in fetch_page, run_in_worker

For kata authors, the rules that bite:

* Start the mock in the fetching actor's __init__ (`start_mock(site, hits)`), never in the
  test process; pass the Site (or a ref to it) and a `HitLog.remote()` handle to the actor.
* Bound every fetch with `asyncio.wait_for` / `asyncio.timeout`: aiohttp's ClientTimeout is
  not applied to mocked calls, and error="timeout" stays silent for 60 s.
* Mocked redirects are followed like aiohttp does (max_redirects=10, then TooManyRedirects),
  each hop a hit. To see or limit hops yourself: `allow_redirects=False`.
* Hit events reach the HitLog batched (within 20 ms): `await log.wait_for.remote(n)` before
  asserting, or `await worker.flush.remote()`.
* Per-host rules (robots.txt, politeness) are per origin: in real-HTTP mode every fake host
  is 127.0.0.1 on its own port, so key by `URL(u).origin()`, not `.host`.
* `SiteFacts.expected_crawl()` is the crawl of a crawler that follows redirects by hand and
  marks every requested URL seen; a crawler letting aiohttp follow redirects may fetch a
  redirect target twice (`facts.redirect_targets`).
"""

from dojo.web.generate import Crawl, SiteFacts, generate_site
from dojo.web.hits import Hit, HitLog, LocalHitLog
from dojo.web.mock import MockWeb, start_mock
from dojo.web.serve import ServedSite, serve_site, serve_site_in_thread
from dojo.web.site import (
    Resource,
    Response,
    Site,
    canonical,
    flaky,
    host_of,
    origin,
    page,
    redirect,
    redirect_loop,
    retry_after,
    site_from_pages,
)
from dojo.web.worker import WebWorker

__all__ = [
    "Crawl",
    "Hit",
    "HitLog",
    "LocalHitLog",
    "MockWeb",
    "Resource",
    "Response",
    "ServedSite",
    "Site",
    "SiteFacts",
    "WebWorker",
    "canonical",
    "flaky",
    "generate_site",
    "host_of",
    "origin",
    "page",
    "redirect",
    "redirect_loop",
    "retry_after",
    "serve_site",
    "serve_site_in_thread",
    "site_from_pages",
    "start_mock",
]
