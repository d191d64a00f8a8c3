"""Kata 19 · Fetch a page. The instructions are in README.md next to this file."""

import asyncio  # noqa: F401  (you will need it)

import aiohttp
from yarl import URL  # noqa: F401  (one way to check a URL)

from dojo import todo
from dojo.crawl.result import ERROR_KINDS, FetchResult  # noqa: F401  (the record, and its error kinds)

# Response headers a crawler needs later: kata 24 waits as long as Retry-After says.
KEEP_HEADERS = ("retry-after",)


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    """GET `url` with `session` and describe what happened as a FetchResult.

    Never raises: a 404, a dead host, a slow page or a broken URL are all outcomes to record.
    * the server answered (any status): url, final_url (after redirects), status,
      content_type (no parameters), body (decoded text for text/* only, else None),
      headers (those named in KEEP_HEADERS, as (name, value) pairs), error=None;
    * it did not: url, final_url=url, error = one of ERROR_KINDS, detail = a short reason.
    The whole fetch (request and body) takes at most `timeout` seconds.
    """
    # TODO: refuse a URL that is not absolute http(s) ("bad_url"), then fetch it within
    # `timeout` seconds and turn every outcome into a FetchResult.
    todo("fetch `url` within `timeout` s and return a FetchResult, never an exception")
