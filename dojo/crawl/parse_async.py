"""A fetcher's digest of a page without stalling its event loop on a big one.

The fetcher processes already spread parsing over the machine's cores: each parses the pages
it fetched. Within one fetcher, a page's parse holds the event loop, and the other requests
of that fetcher wait for their answers to be read meanwhile. With selectolax a page of real
documentation takes under a millisecond (median), so the loop is not worth leaving for it; a
big one (an index of 1.7 MB: ~30 ms) is parsed in a thread. A thread does not parse faster
(lexbor holds the GIL for most of it, html.parser throughout: bench/parse_speed.py's "2
threads / 1" column), but Python switches threads every 5 ms, so the loop keeps answering:
its worst stall measured 81 ms inline against 13 ms in a thread on that page.
"""

from __future__ import annotations

import asyncio

from dojo.crawl.report import Visit, digest
from dojo.crawl.result import FetchResult

BIG_PAGE = 200_000  # characters of HTML (~3 ms with selectolax): parsed in a thread above it


async def digest_off_loop(result: FetchResult, big_page: int = BIG_PAGE) -> Visit:
    """digest(result), in a thread when the page is big HTML (its links take long to find)."""
    if result.is_html and len(result.body or "") > big_page:
        return await asyncio.to_thread(digest, result)
    return digest(result)
