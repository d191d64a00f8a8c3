"""Mutant: only HTTP-level errors are caught (aiohttp.ClientResponseError, and the timeout).
A refused connection or an unknown host (ClientConnectorError) escapes as an exception."""

import asyncio

import aiohttp
from yarl import URL

from dojo.crawl.result import FetchResult

REJECTED_BY = "test_connection_errors_are_records"

KEEP_HEADERS = ("retry-after",)


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:
    if not _is_web_url(url):
        return FetchResult(url=url, final_url=url, error="bad_url")
    try:
        return await asyncio.wait_for(_get(session, url), timeout)
    except TimeoutError:
        return FetchResult(url=url, final_url=url, error="timeout")
    except aiohttp.ClientResponseError as error:
        kind = "too_many_redirects" if isinstance(error, aiohttp.TooManyRedirects) else "other"
        return FetchResult(url=url, final_url=url, error=kind, detail=str(error))


async def _get(session, url):
    async with session.get(url) as response:
        body = None
        if response.content_type.startswith("text/"):
            body = await response.text()
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status=response.status,
            content_type=response.content_type,
            body=body,
            headers=tuple((k, v) for k, v in response.headers.items() if k.lower() in KEEP_HEADERS),
        )


def _is_web_url(url):
    try:
        parsed = URL(url)
        return parsed.absolute and parsed.scheme in ("http", "https") and bool(parsed.host)
    except ValueError:
        return False
